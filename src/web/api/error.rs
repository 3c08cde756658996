//! Errors as Meta's Graph API shapes them, so existing WhatsApp clients understand
//! ours: `{"error":{"message","type","code","error_data":{"details"},"fbtrace_id"}}`.

use crate::sending::{SendError, gate::Blocked};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: i64,
    pub kind: &'static str,
    pub message: String,
    pub details: String,
    /// For 405: the methods the path does answer.
    pub allow: Option<String>,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: i64,
        message: impl Into<String>,
        details: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code,
            kind: "OAuthException",
            message: message.into(),
            details: details.into(),
            allow: None,
        }
    }

    pub fn method_not_allowed(allow: String) -> Self {
        Self {
            allow: Some(allow.clone()),
            ..Self::new(
                StatusCode::METHOD_NOT_ALLOWED,
                100,
                "Unsupported method",
                format!("This path answers {allow} only."),
            )
        }
    }

    /// A request field that is wrong, named by its path.
    pub fn field(field: &str, problem: impl std::fmt::Display) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            100,
            "Invalid parameter",
            format!("{field}: {problem}"),
        )
    }

    pub fn missing(field: &str) -> Self {
        Self::missing_detail(format!("{field}: is required"))
    }

    pub fn missing_detail(details: String) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            131008,
            "Required parameter is missing",
            details,
        )
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            190,
            "Invalid OAuth access token",
            "Send an Assent API key as 'Authorization: Bearer <key>' (or in WA-API-KEY / D360-API-KEY); create one with 'assent apikey create'.",
        )
    }

    pub fn not_found(details: impl Into<String>) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            100,
            "Unknown path or object",
            details,
        )
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            1,
            "An unknown error occurred",
            "The error was logged; please retry later.",
        )
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "({}) {}: {}", self.code, self.message, self.details)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let trace = uuid::Uuid::new_v4().simple().to_string();
        if self.status.is_server_error() {
            tracing::error!(fbtrace_id = %trace, "answered {}", self);
        }
        let mut response = HttpResponse::build(self.status);
        if let Some(allow) = &self.allow {
            response.insert_header((actix_web::http::header::ALLOW, allow.as_str()));
        }
        response.json(json!({
            "error": {
                "message": format!("(#{}) {}", self.code, self.message),
                "type": self.kind,
                "code": self.code,
                "error_data": { "messaging_product": "whatsapp", "details": self.details },
                "fbtrace_id": trace,
            }
        }))
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        tracing::error!(error = %format!("{e:#}"), "internal error");
        Self::internal()
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        anyhow::Error::from(e).into()
    }
}

impl From<Blocked> for ApiError {
    fn from(b: Blocked) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code: b.code(),
            kind: "AssentGateException",
            message: b.title().into(),
            details: b.details(),
            allow: None,
        }
    }
}

impl From<SendError> for ApiError {
    fn from(e: SendError) -> Self {
        match e {
            SendError::Invalid(f) if f.missing => Self::missing_detail(f.to_string()),
            SendError::Invalid(f) => Self::field(&f.field, &f.problem),
            SendError::Blocked(b) => b.into(),
            SendError::ContactInvalid => Self {
                status: StatusCode::BAD_REQUEST,
                code: crate::sending::CONTACT_INVALID_CODE,
                kind: "AssentGateException",
                message: "Recipient is not a valid WhatsApp user".into(),
                details: "The provider's contact check says this number cannot receive WhatsApp messages.".into(),
                allow: None,
            },
            SendError::IdempotencyMismatch => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                470110,
                "Idempotency-Key reused",
                "This Idempotency-Key was already used with a different request body; use a new key for a new message.",
            ),
            SendError::Provider(p) => Self::new(
                StatusCode::BAD_GATEWAY,
                p.code.unwrap_or(131000),
                "The provider refused the request",
                p.title,
            ),
            SendError::Internal(e) => e.into(),
        }
    }
}
