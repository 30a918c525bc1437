//! What each kind of event in the log is called on screen: one place, so a page never shows
//! a raw kind such as `lead.logged`.

/// Every kind of event Closeloop writes, with its label.
pub const KINDS: &[(&str, &str)] = &[
    ("lead.created", "Inquiry received"),
    ("lead.inquired", "Inquiry"),
    ("lead.moved", "Moved"),
    ("lead.assigned", "Assigned"),
    ("lead.edited", "Edited details"),
    ("lead.logged", "Touch logged"),
    ("lead.next_step", "Next step planned"),
    ("lead.merged", "Merged with a duplicate"),
    ("duplicate.resolved", "Duplicate resolved"),
    ("finding.opened", "Flagged by the follow-up policy"),
    ("finding.resolved", "Follow-up problem resolved"),
    ("finding.escalated", "Escalated"),
    ("notification.sent", "Notification sent"),
    ("quote.created", "Quote drafted"),
    ("quote.sent", "Quote sent"),
    ("quote.accepted", "Quote accepted"),
    ("quote.rejected", "Quote rejected"),
    ("quote.reopened", "Quote taken back to draft"),
    ("review.started", "Review started"),
    ("review.finished", "Review finished"),
    ("review.action", "Action agreed in a review"),
    ("contact.erased", "Personal data erased"),
    ("import.finished", "Import finished"),
    ("policy.saved", "Follow-up policy changed"),
    ("routing.rule_saved", "Routing rule saved"),
    ("routing.rule_moved", "Routing rule reordered"),
    ("routing.rule_deleted", "Routing rule deleted"),
    ("routing.availability_set", "Availability changed"),
    ("settings.saved", "Settings changed"),
    ("user.created", "User added"),
    ("user.changed", "User changed"),
    ("user.password_reset", "Password reset"),
    ("user.unlocked", "Sign-in pause lifted"),
    ("team.created", "Team added"),
    ("team.changed", "Team changed"),
];

/// The label of an event kind; a kind this build does not know (written by a newer version)
/// reads "Changed", never its raw name.
pub fn event_label(kind: &str) -> &'static str {
    KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or("Changed", |(_, label)| label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_as_words() {
        for (kind, label) in KINDS {
            assert_eq!(event_label(kind), *label);
            assert!(
                !label.contains('.') && !label.contains('_'),
                "{kind}: {label}"
            );
        }
        assert_eq!(event_label("activity.logged"), "Changed");
        let mut kinds: Vec<_> = KINDS.iter().map(|(k, _)| k).collect();
        kinds.sort();
        kinds.dedup();
        assert_eq!(kinds.len(), KINDS.len(), "a kind is listed twice");
    }
}
