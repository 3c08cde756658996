use std::fmt;

/// Where a sent message stands, in the order it gets there: a status never moves
/// a message backwards (a late `delivered` after `read` changes nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MessageStatus {
    Accepted,
    Sent,
    Delivered,
    /// `read`, or `played` for a voice message.
    Read,
    Failed,
}

impl MessageStatus {
    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "accepted" => Self::Accepted,
            "sent" => Self::Sent,
            "delivered" => Self::Delivered,
            "read" | "played" => Self::Read,
            "failed" => Self::Failed,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Read => "read",
            Self::Failed => "failed",
        }
    }
}

impl fmt::Display for MessageStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_ordered_as_a_message_goes() {
        use MessageStatus::*;
        assert!(Accepted < Sent && Sent < Delivered && Delivered < Read && Read < Failed);
        assert_eq!(MessageStatus::parse("played"), Some(Read));
        assert_eq!(MessageStatus::parse("deleted"), None);
    }
}
