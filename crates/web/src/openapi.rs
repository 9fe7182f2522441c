//! The OpenAPI 3.1 document: general parts here, each route describes itself.

use utoipa::Modify;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Rapport API",
        description = "Service encounter and service recovery management. Every route needs an API token \
                       (`Authorization: Bearer rpt_…`) unless marked public. Errors are \
                       `application/problem+json` documents that name each offending field. Updates carry \
                       the `version` last read; a stale version answers 409 and changes nothing. Lists are \
                       paged with `limit` and the opaque `cursor` from `next_cursor`.",
        license(name = "Apache-2.0")
    ),
    modifiers(&Security),
    components(schemas(crate::error::Problem, rapport_domain::FieldError)),
    tags(
        (name = "units", description = "Branches and departments with their business hours"),
        (name = "employees", description = "Staff, roles, authority limits and API tokens"),
        (name = "touchpoints", description = "Where customers meet the service, and their contact level"),
        (name = "customers", description = "Customer profiles and important dates"),
        (name = "encounters", description = "The log of customer encounters"),
        (name = "audit", description = "Who changed what, and when"),
        (name = "taxonomy", description = "Failure categories (outcome and process failures) and root causes"),
        (name = "templates", description = "Response templates for an empathetic first contact, in Korean and English"),
        (name = "sla", description = "SLA policies: response and resolution targets by severity, tier, channel and unit"),
        (name = "compensation", description = "Fair compensation guidelines, service guarantees and the authority period"),
        (name = "cases", description = "Recovery cases: stages, SLA clocks, messages, recovery actions and approvals"),
        (name = "reports", description = "Recovery and service-quality reports, as JSON or CSV"),
    )
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("rpt_…")
                    .build(),
            ),
        );
        openapi.security = Some(vec![utoipa::openapi::security::SecurityRequirement::new(
            "token",
            Vec::<String>::new(),
        )]);
    }
}

pub fn base() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The complete document, as served at `/api/v1/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    crate::api_router().into_openapi()
}
