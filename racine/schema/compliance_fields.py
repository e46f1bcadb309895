"""Root fields of compliance, data quality, incidents and notifications, mixed into
``Query``/``Mutation``/``Subscription`` so the shared root module only names these
classes as bases."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry
from strawberry.types import Info

from racine.resolvers import compliance as cr
from racine.resolvers import incidents as ir
from racine.resolvers import quality as qr
from racine.resolvers.permissions import IsAdmin, IsEditor, IsSteward, IsViewer
from racine.schema import compliance as c
from racine.schema import incidents as i
from racine.schema import quality as q
from racine.schema.relay import Connection, register_node

__all__ = ["ComplianceMutation", "ComplianceQuery", "ComplianceSubscription"]

PAGE = "Page size, 0-100 (default 20)."
AFTER = "Cursor from `pageInfo.endCursor` of the previous page."
INPUT = strawberry.argument(description="The mutation's input.")

register_node("ComplianceFinding", cr.resolve_finding)
register_node("ComplianceEvaluation", cr.resolve_evaluation)
register_node("ComplianceRule", cr.resolve_rule)
register_node("QualityAssertion", qr.resolve_assertion)
register_node("Incident", ir.resolve_incident)
register_node("Webhook", ir.resolve_webhook)


@strawberry.type
class ComplianceQuery:
    @strawberry.field(
        description="Rule packs (GDPR, CCPA, HIPAA, PCI_DSS, SOC2, and CUSTOM when custom rules "
        "exist) with their controls and executable checks.",
        permission_classes=[IsViewer],
    )
    async def compliance_frameworks(self, info: Info) -> list[c.ComplianceFramework]:
        return await cr.compliance_frameworks(info)

    @strawberry.field(
        description="A framework's current scores (overall, per control, per data source), "
        "finding counts, findings and evaluation history.",
        permission_classes=[IsViewer],
    )
    async def compliance_report(
        self,
        info: Info,
        framework: Annotated[str, strawberry.argument(description="Framework key.")],
        history: Annotated[
            int, strawberry.argument(description="Past evaluations to include, 0-100 (default 20).")
        ] = 20,
    ) -> c.ComplianceReport:
        return await cr.compliance_report(info, framework, history)

    @strawberry.field(
        description="Quality assertions, oldest first (of one asset, a table including its "
        "columns, when given); ≤ 100 per page.",
        permission_classes=[IsViewer],
    )
    async def quality_assertions(
        self,
        info: Info,
        asset_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Asset id.")
        ] = None,
        first: Annotated[int, strawberry.argument(description=PAGE)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[q.QualityAssertion]:
        return await qr.quality_assertions(info, asset_id, first, after)

    @strawberry.field(
        description="Quality score of an asset over completeness, uniqueness, validity and "
        "freshness.",
        permission_classes=[IsViewer],
    )
    async def quality_score(
        self,
        info: Info,
        asset_id: Annotated[strawberry.ID, strawberry.argument(description="Asset id.")],
    ) -> q.QualityScore:
        return await qr.quality_score(info, asset_id)

    @strawberry.field(
        description="Incidents, newest first; ≤ 100 per page.",
        permission_classes=[IsViewer],
    )
    async def incidents(
        self,
        info: Info,
        stages: Annotated[
            list[i.IncidentStage] | None,
            strawberry.argument(description="Only these stages (default all)."),
        ] = None,
        asset_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only incidents linked to this Asset."),
        ] = None,
        first: Annotated[int, strawberry.argument(description=PAGE)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[i.Incident]:
        return await ir.incidents(info, stages, asset_id, first, after)

    @strawberry.field(description="Webhooks (≤ 100). ADMIN only.", permission_classes=[IsAdmin])
    async def webhooks(self, info: Info) -> list[i.Webhook]:
        return await ir.webhooks(info)

    @strawberry.field(
        description="The webhook delivery log, newest first; ≤ 100 per page. ADMIN only.",
        permission_classes=[IsAdmin],
    )
    async def webhook_deliveries(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=PAGE)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[i.WebhookDelivery]:
        return await ir.webhook_deliveries(info, None, first, after)

    @strawberry.field(description="The caller's alert preference.", permission_classes=[IsViewer])
    async def notification_preference(self, info: Info) -> i.NotificationPreference:
        return await ir.notification_preference(info)


@strawberry.type
class ComplianceMutation:
    @strawberry.mutation(
        description="Evaluate a framework (or all) in the background over a facts snapshot of "
        "the catalog. EDITOR+. Follow the evaluation with `node(id:)`.",
        permission_classes=[IsEditor],
    )
    async def evaluate_compliance(
        self, info: Info, input: Annotated[c.EvaluateComplianceInput, INPUT]
    ) -> c.EvaluateCompliancePayload:
        return await cr.evaluate_compliance(info, input)

    @strawberry.mutation(
        description="Accept a finding's risk, mark it a false positive, resolve or reopen it, "
        "with a reason. STEWARD+. Audited.",
        permission_classes=[IsSteward],
    )
    async def set_finding_status(
        self, info: Info, input: Annotated[c.SetFindingStatusInput, INPUT]
    ) -> c.SetFindingStatusPayload:
        return await cr.set_finding_status(info, input)

    @strawberry.mutation(
        description="Create a declarative custom rule. STEWARD+.", permission_classes=[IsSteward]
    )
    async def create_compliance_rule(
        self, info: Info, input: Annotated[c.CreateComplianceRuleInput, INPUT]
    ) -> c.CreateComplianceRulePayload:
        return await cr.create_compliance_rule(info, input)

    @strawberry.mutation(
        description="Write a new version of a custom rule. STEWARD+.",
        permission_classes=[IsSteward],
    )
    async def update_compliance_rule(
        self, info: Info, input: Annotated[c.UpdateComplianceRuleInput, INPUT]
    ) -> c.UpdateComplianceRulePayload:
        return await cr.update_compliance_rule(info, input)

    @strawberry.mutation(
        description="Define a data-quality assertion. EDITOR+.", permission_classes=[IsEditor]
    )
    async def create_quality_assertion(
        self, info: Info, input: Annotated[q.CreateQualityAssertionInput, INPUT]
    ) -> q.CreateQualityAssertionPayload:
        return await qr.create_quality_assertion(info, input)

    @strawberry.mutation(
        description="Run an assertion now against its source (read-only, statement timeout "
        "30 s). A failure opens an incident and raises an alert. CONFLICT on `id` when a "
        "scan removed the assertion's asset from its source (it is not run). EDITOR+.",
        permission_classes=[IsEditor],
    )
    async def run_quality_assertion(
        self, info: Info, input: Annotated[q.RunQualityAssertionInput, INPUT]
    ) -> q.RunQualityAssertionPayload:
        return await qr.run_quality_assertion(info, input)

    @strawberry.mutation(
        description="Move an incident to another stage. EDITOR+.", permission_classes=[IsEditor]
    )
    async def move_incident(
        self, info: Info, input: Annotated[i.MoveIncidentInput, INPUT]
    ) -> i.IncidentPayload:
        return await ir.move_incident(info, input)

    @strawberry.mutation(
        description="Assign (or unassign) an incident. EDITOR+.", permission_classes=[IsEditor]
    )
    async def assign_incident(
        self, info: Info, input: Annotated[i.AssignIncidentInput, INPUT]
    ) -> i.IncidentPayload:
        return await ir.assign_incident(info, input)

    @strawberry.mutation(
        description="Register a signed webhook for alerts. ADMIN only.",
        permission_classes=[IsAdmin],
    )
    async def create_webhook(
        self, info: Info, input: Annotated[i.CreateWebhookInput, INPUT]
    ) -> i.CreateWebhookPayload:
        return await ir.create_webhook(info, input)

    @strawberry.mutation(
        description="Change a webhook's endpoint, alerts, secret or state"
        " (audited; the secret never shows). ADMIN only.",
        permission_classes=[IsAdmin],
    )
    async def update_webhook(
        self, info: Info, input: Annotated[i.UpdateWebhookInput, INPUT]
    ) -> i.WebhookPayload:
        return await ir.update_webhook(info, input)

    @strawberry.mutation(
        description="Delete a webhook and its delivery log (audited);"
        " `updateWebhook(active: false)` keeps the log. ADMIN only.",
        permission_classes=[IsAdmin],
    )
    async def delete_webhook(
        self, info: Info, input: Annotated[i.DeleteWebhookInput, INPUT]
    ) -> i.WebhookPayload:
        return await ir.delete_webhook(info, input)

    @strawberry.mutation(
        description="Choose which alerts reach your `alerts` subscription.",
        permission_classes=[IsViewer],
    )
    async def set_notification_preference(
        self, info: Info, input: Annotated[i.SetNotificationPreferenceInput, INPUT]
    ) -> i.SetNotificationPreferencePayload:
        return await ir.set_notification_preference(info, input)


@strawberry.type
class ComplianceSubscription:
    @strawberry.subscription(
        description="New findings, incidents (opened, fixed) and assertion failures as they "
        "happen, filtered by the caller's notification preference. A `gap` signal means "
        "some may have been missed.",
        permission_classes=[IsViewer],
    )
    async def alerts(self, info: Info) -> AsyncGenerator[i.AlertSignal, None]:
        async for signal in ir.alerts(info):
            yield signal
