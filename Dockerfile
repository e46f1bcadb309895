# syntax=docker/dockerfile:1
# Build stage: wheels for the project and its dependencies.
FROM python:3.11-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml README.md ./
COPY racine ./racine
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

# Runtime stage: no compiler, no sources, a non-root user.
FROM python:3.11-slim
RUN useradd --system --uid 10001 --home-dir /var/lib/racine --create-home racine
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/* && rm -rf /wheels
USER racine
WORKDIR /var/lib/racine
ENV RACINE_DATA_DIR=/var/lib/racine \
    PYTHONUNBUFFERED=1
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
ENTRYPOINT ["racine"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
