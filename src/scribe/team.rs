//! The team of a shared incident as the review names it: people only, each in the roles
//! they held, from the entries (a person's own, and the session facts warroom signs for
//! their terminal).

use super::roles::{Held, TeamRole, held};

/// The team of a shared incident, for the review: who held which role when, people only
/// (never warroom, never a role's name, as old drill journals signed their entries). The
/// terminal that started the incident writes without a role while alone: it is the
/// commander. A journal nobody shared (no entry carries a role) has no team.
pub fn team(entries: &[super::Entry]) -> Vec<Held> {
    if !entries.iter().any(|e| e.role.is_some()) {
        return Vec::new();
    }
    let people: Vec<super::Entry> = entries
        .iter()
        .filter_map(|e| {
            // A session's own fact (joined, left) is signed warroom: it counts for the person
            // whose terminal wrote it, in the role it had.
            let own = super::permissions::Duty::of(e.kind, e.data.as_ref()) == super::permissions::Duty::Session;
            let author = match (e.author == super::SYSTEM_AUTHOR, own, e.session.as_deref()) {
                (false, ..) => e.author.clone(),
                (true, true, Some(session)) => session.split('@').next().unwrap_or_default().to_owned(),
                _ => return None,
            };
            super::check_author(&author).is_ok().then(|| super::Entry {
                author,
                role: e.role.or(Some(TeamRole::Commander)),
                ..e.clone()
            })
        })
        .collect();
    held(&people)
}

/// Each person's newest role on a shared incident (see `team`).
pub fn roles_of_team(entries: &[super::Entry]) -> std::collections::BTreeMap<String, TeamRole> {
    team(entries).into_iter().map(|h| (h.author, h.role)).collect()
}
