//! Whether a message may be sent: a pure function of what is known about the
//! contact and the message. No I/O happens here; `core` gathers the facts.

use crate::consent::ConsentState;
use crate::domain::CategoryKind;

pub const WINDOW_MS: i64 = 24 * 60 * 60 * 1000;

/// What the gate knows about the template a message uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateFacts {
    /// A free-form message (text, media, interactive, …).
    NotATemplate,
    /// No template of that name and language is registered for the number.
    Unknown,
    /// Registered, but mapped to no consent category.
    Unmapped,
    Mapped {
        category: String,
        kind: CategoryKind,
        /// The contact's consent in that category.
        consent: ConsentState,
        /// For `pending`: the confirmation template the opt-in asked for, and
        /// whether it was already sent.
        pending_confirmation: Option<(String, bool)>,
        /// This is the welcome of the form the person just signed up through
        /// (within a day), not yet sent: they asked for it, whatever the
        /// template's own category.
        welcome_due: bool,
        template_name: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub now_ms: i64,
    pub suppressed: bool,
    pub last_inbound_at: Option<i64>,
    pub marketing_stopped: bool,
    pub template: TemplateFacts,
}

/// The messaging limit, asked only of a send the gate allows as
/// business-initiated to someone not yet counted today (see `messaging_limit`).
pub fn within_limit(limit: Option<i64>, recipients_last_24h: i64) -> Result<(), Blocked> {
    match limit {
        Some(limit) if recipients_last_24h >= limit => Err(Blocked::MessagingLimit { limit }),
        _ => Ok(()),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowed {
    /// Sent outside the customer-service window: counts against the messaging limit.
    pub business_initiated: bool,
}

/// Why a send was refused. Codes are stable and documented in README; 131047 is
/// Meta's own code for the same rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Blocked {
    Suppressed,
    OutsideWindow,
    UnknownTemplate,
    UnmappedTemplate,
    NoConsent {
        category: String,
        state: ConsentState,
    },
    ConsentPending {
        category: String,
    },
    MarketingStopped {
        category: String,
    },
    MessagingLimit {
        limit: i64,
    },
}

impl Blocked {
    pub fn code(&self) -> i64 {
        match self {
            Self::OutsideWindow => 131047,
            Self::Suppressed => 470101,
            Self::NoConsent { .. } => 470102,
            Self::ConsentPending { .. } => 470103,
            Self::MarketingStopped { .. } => 470104,
            Self::UnknownTemplate => 470105,
            Self::UnmappedTemplate => 470106,
            Self::MessagingLimit { .. } => 470107,
        }
    }

    /// A stable machine name, used in metrics and the blocked-sends report.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Suppressed => "suppressed",
            Self::OutsideWindow => "outside_window",
            Self::UnknownTemplate => "unknown_template",
            Self::UnmappedTemplate => "unmapped_template",
            Self::NoConsent { .. } => "no_consent",
            Self::ConsentPending { .. } => "consent_pending",
            Self::MarketingStopped { .. } => "marketing_stopped",
            Self::MessagingLimit { .. } => "messaging_limit",
        }
    }

    pub fn title(&self) -> &'static str {
        match self {
            Self::OutsideWindow => "Re-engagement message",
            _ => "Blocked by consent gate",
        }
    }

    pub fn details(&self) -> String {
        match self {
            Self::Suppressed => "The recipient was erased or is on the suppression list; Assent will not message them.".into(),
            Self::OutsideWindow => {
                "More than 24 hours have passed since the recipient last wrote; send an approved template instead.".into()
            }
            Self::UnknownTemplate => {
                "No template with this name and language is registered for this number; register it with POST /api/v1/templates.".into()
            }
            Self::UnmappedTemplate => "The template has no consent category; map it to one before sending.".into(),
            Self::NoConsent { category, state } => {
                format!("The recipient has not granted consent for category {category:?} (state: {}).", state.as_str())
            }
            Self::ConsentPending { category } => format!(
                "Consent for category {category:?} awaits confirmation (double opt-in); only its confirmation template may be sent, once."
            ),
            Self::MarketingStopped { category } => format!(
                "The recipient stopped marketing messages in WhatsApp; category {category:?} is marketing."
            ),
            Self::MessagingLimit { limit } => format!(
                "This number reached its messaging limit of {limit} unique business-initiated recipients in 24 hours."
            ),
        }
    }
}

pub fn decide(facts: &Facts) -> Result<Allowed, Blocked> {
    if facts.suppressed {
        return Err(Blocked::Suppressed);
    }
    let in_window = facts
        .last_inbound_at
        .is_some_and(|t| facts.now_ms - t < WINDOW_MS);
    match &facts.template {
        TemplateFacts::NotATemplate if in_window => {
            return Ok(Allowed {
                business_initiated: false,
            });
        }
        TemplateFacts::NotATemplate => return Err(Blocked::OutsideWindow),
        TemplateFacts::Unknown => return Err(Blocked::UnknownTemplate),
        TemplateFacts::Unmapped => return Err(Blocked::UnmappedTemplate),
        TemplateFacts::Mapped {
            category,
            kind,
            consent,
            pending_confirmation,
            welcome_due,
            template_name,
        } => {
            if *kind == CategoryKind::Marketing && facts.marketing_stopped {
                return Err(Blocked::MarketingStopped {
                    category: category.clone(),
                });
            }
            match consent {
                _ if *welcome_due => {}
                ConsentState::Granted => {}
                ConsentState::Pending => {
                    let is_its_confirmation = pending_confirmation
                        .as_ref()
                        .is_some_and(|(t, sent)| t == template_name && !sent);
                    if !is_its_confirmation {
                        return Err(Blocked::ConsentPending {
                            category: category.clone(),
                        });
                    }
                }
                state => {
                    return Err(Blocked::NoConsent {
                        category: category.clone(),
                        state: *state,
                    });
                }
            }
        }
    }
    if in_window {
        return Ok(Allowed {
            business_initiated: false,
        });
    }
    Ok(Allowed {
        business_initiated: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_000_000_000_000;

    fn mapped(consent: ConsentState, kind: CategoryKind) -> TemplateFacts {
        TemplateFacts::Mapped {
            category: "offers".into(),
            kind,
            consent,
            pending_confirmation: None,
            welcome_due: false,
            template_name: "spring_sale".into(),
        }
    }

    fn facts(template: TemplateFacts) -> Facts {
        Facts {
            now_ms: NOW,
            suppressed: false,
            last_inbound_at: None,
            marketing_stopped: false,
            template,
        }
    }

    #[test]
    fn granted_template_goes_out_as_business_initiated() {
        let f = facts(mapped(ConsentState::Granted, CategoryKind::Marketing));
        assert_eq!(
            decide(&f),
            Ok(Allowed {
                business_initiated: true
            })
        );
    }

    #[test]
    fn suppressed_blocks_everything_even_inside_the_window() {
        let mut f = facts(TemplateFacts::NotATemplate);
        f.last_inbound_at = Some(NOW - 1000);
        f.suppressed = true;
        assert_eq!(decide(&f), Err(Blocked::Suppressed));
        f.template = mapped(ConsentState::Granted, CategoryKind::Utility);
        assert_eq!(decide(&f), Err(Blocked::Suppressed));
    }

    #[test]
    fn template_needs_granted_consent() {
        for state in [ConsentState::None, ConsentState::Withdrawn] {
            let f = facts(mapped(state, CategoryKind::Utility));
            assert_eq!(
                decide(&f),
                Err(Blocked::NoConsent {
                    category: "offers".into(),
                    state
                })
            );
        }
    }

    #[test]
    fn template_needs_consent_even_inside_the_window() {
        let mut f = facts(mapped(ConsentState::None, CategoryKind::Utility));
        f.last_inbound_at = Some(NOW - 1000);
        assert_eq!(decide(&f).unwrap_err().code(), 470102);
    }

    #[test]
    fn pending_allows_only_its_own_confirmation_once() {
        let pending = |template: &str, sent: bool| {
            facts(TemplateFacts::Mapped {
                category: "offers".into(),
                kind: CategoryKind::Marketing,
                consent: ConsentState::Pending,
                pending_confirmation: Some(("confirm_offers".into(), sent)),
                welcome_due: false,
                template_name: template.into(),
            })
        };
        assert!(decide(&pending("confirm_offers", false)).is_ok());
        assert_eq!(
            decide(&pending("confirm_offers", true)),
            Err(Blocked::ConsentPending {
                category: "offers".into()
            })
        );
        assert_eq!(
            decide(&pending("spring_sale", false)),
            Err(Blocked::ConsentPending {
                category: "offers".into()
            })
        );
    }

    #[test]
    fn a_forms_welcome_goes_once_whatever_its_category_but_not_to_the_suppressed() {
        let welcome = |consent, kind, due| {
            let mut f = facts(TemplateFacts::Mapped {
                category: "offers".into(),
                kind,
                consent,
                pending_confirmation: None,
                welcome_due: due,
                template_name: "welcome".into(),
            });
            f.last_inbound_at = None;
            f
        };
        for state in [
            ConsentState::None,
            ConsentState::Pending,
            ConsentState::Withdrawn,
        ] {
            assert!(
                decide(&welcome(state, CategoryKind::Utility, true)).is_ok(),
                "{state:?}"
            );
            assert!(
                decide(&welcome(state, CategoryKind::Utility, false)).is_err(),
                "{state:?}"
            );
        }
        let mut suppressed = welcome(ConsentState::None, CategoryKind::Utility, true);
        suppressed.suppressed = true;
        assert_eq!(decide(&suppressed), Err(Blocked::Suppressed));
        let mut stopped = welcome(ConsentState::None, CategoryKind::Marketing, true);
        stopped.marketing_stopped = true;
        assert!(matches!(
            decide(&stopped),
            Err(Blocked::MarketingStopped { .. })
        ));
    }

    #[test]
    fn meta_marketing_stop_blocks_marketing_but_not_utility() {
        let mut f = facts(mapped(ConsentState::Granted, CategoryKind::Marketing));
        f.marketing_stopped = true;
        assert_eq!(
            decide(&f),
            Err(Blocked::MarketingStopped {
                category: "offers".into()
            })
        );
        f.template = mapped(ConsentState::Granted, CategoryKind::Utility);
        assert!(decide(&f).is_ok());
    }

    #[test]
    fn free_form_only_inside_the_24h_window() {
        let mut f = facts(TemplateFacts::NotATemplate);
        assert_eq!(decide(&f), Err(Blocked::OutsideWindow));
        assert_eq!(Blocked::OutsideWindow.code(), 131047);
        f.last_inbound_at = Some(NOW - WINDOW_MS + 1);
        assert_eq!(
            decide(&f),
            Ok(Allowed {
                business_initiated: false
            })
        );
        f.last_inbound_at = Some(NOW - WINDOW_MS);
        assert_eq!(decide(&f), Err(Blocked::OutsideWindow));
    }

    #[test]
    fn unknown_and_unmapped_templates_are_blocked() {
        assert_eq!(
            decide(&facts(TemplateFacts::Unknown)),
            Err(Blocked::UnknownTemplate)
        );
        assert_eq!(
            decide(&facts(TemplateFacts::Unmapped)),
            Err(Blocked::UnmappedTemplate)
        );
    }

    #[test]
    fn the_messaging_limit_stops_the_next_new_recipient_only() {
        assert_eq!(within_limit(Some(250), 249), Ok(()));
        assert_eq!(
            within_limit(Some(250), 250),
            Err(Blocked::MessagingLimit { limit: 250 })
        );
        assert_eq!(within_limit(None, 1_000_000), Ok(()), "no limit configured");
        let mut f = facts(mapped(ConsentState::Granted, CategoryKind::Utility));
        f.last_inbound_at = Some(NOW - 1000);
        assert_eq!(
            decide(&f),
            Ok(Allowed {
                business_initiated: false
            }),
            "in-window sends are not business-initiated: the limit is not asked"
        );
    }

    #[test]
    fn every_reason_has_a_distinct_stable_code() {
        let all = [
            Blocked::Suppressed,
            Blocked::OutsideWindow,
            Blocked::UnknownTemplate,
            Blocked::UnmappedTemplate,
            Blocked::NoConsent {
                category: "c".into(),
                state: ConsentState::None,
            },
            Blocked::ConsentPending {
                category: "c".into(),
            },
            Blocked::MarketingStopped {
                category: "c".into(),
            },
            Blocked::MessagingLimit { limit: 1 },
        ];
        let mut codes: Vec<i64> = all.iter().map(Blocked::code).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
    }
}
