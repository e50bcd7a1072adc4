//! `[[runbook]]` in the config file: custom runbooks, checked with line and column.
//!
//! A config runbook with a built-in's id replaces it; others are added after the built-ins.

use std::collections::HashMap;

use serde::Deserialize;
use toml::Spanned;

use super::{Direction, Guard, Promotion, Runbook, Step, StepKind};
use crate::text::duration::ConfigDuration;
use crate::toml_source::TomlError;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawRunbook {
    id: Spanned<String>,
    title: Option<Spanned<String>>,
    #[serde(default = "failover")]
    direction: Direction,
    #[serde(rename = "step", default)]
    steps: Vec<RawStep>,
}

fn failover() -> Direction {
    Direction::Failover
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawStep {
    id: Spanned<String>,
    title: Option<Spanned<String>>,
    kind: StepKind,
    #[serde(default)]
    guards: Vec<Spanned<String>>,
    /// Overrides the kind's default timeout; "0s" means none.
    timeout: Option<Spanned<ConfigDuration>>,
    /// promote-database only: "switchover" (graceful) or "failover" (accepts data loss).
    promotion: Option<Spanned<Promotion>>,
    /// `"commander"`: the two-person rule; another commander approves before it runs.
    approval: Option<Spanned<String>>,
}

fn is_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 48 && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// A title as given (or the id), refused when it holds a control or invisible character.
fn plain_title(
    title: Option<&Spanned<String>>,
    id: &str,
    err: &impl Fn(std::ops::Range<usize>, String) -> TomlError,
) -> Result<String, TomlError> {
    let Some(title) = title else { return Ok(id.to_owned()) };
    crate::text::sanitize::check_name(title.get_ref()).map_err(|why| err(title.span(), format!("title {why}")))?;
    Ok(title.get_ref().clone())
}

/// Turn config runbooks into runbooks (merged over `built_ins`), or the first error, located.
pub fn validate(
    raw: Vec<RawRunbook>,
    built_ins: Vec<Runbook>,
    file: &str,
    text: &str,
) -> Result<Vec<Runbook>, TomlError> {
    let err = |span: std::ops::Range<usize>, message: String| TomlError::at(file, text, Some(span), message);
    let mut seen: HashMap<String, ()> = HashMap::new();
    let mut custom = Vec::new();
    for book in &raw {
        let id = book.id.get_ref();
        if !is_id(id) {
            return Err(err(book.id.span(), format!("runbook id `{id}`: use lowercase letters, digits and hyphens")));
        }
        if seen.insert(id.clone(), ()).is_some() {
            return Err(err(book.id.span(), format!("runbook `{id}` is defined twice")));
        }
        if book.steps.is_empty() {
            return Err(err(book.id.span(), format!("runbook `{id}` has no [[runbook.step]]")));
        }
        let mut steps: Vec<Step> = Vec::with_capacity(book.steps.len());
        for step in &book.steps {
            let sid = step.id.get_ref();
            if !is_id(sid) {
                return Err(err(step.id.span(), format!("step id `{sid}`: use lowercase letters, digits and hyphens")));
            }
            if steps.iter().any(|s| &s.id == sid) {
                return Err(err(step.id.span(), format!("step `{sid}` appears twice in runbook `{id}`")));
            }
            let mut guards = Vec::new();
            for g in &step.guards {
                let guard = Guard::parse(g.get_ref()).map_err(|m| err(g.span(), m))?;
                if let Guard::After(target) = &guard
                    && !book.steps.iter().any(|s| s.id.get_ref() == target)
                {
                    return Err(err(
                        g.span(),
                        format!("guard `{}` names step `{target}`, which runbook `{id}` does not have", g.get_ref()),
                    ));
                }
                guards.push(guard);
            }
            let timeout = match &step.timeout {
                None => step.kind.default_timeout(),
                Some(t) if t.get_ref().0.is_zero() => None,
                Some(t) => Some(t.get_ref().0),
            };
            if let Some(p) = &step.promotion
                && step.kind != StepKind::PromoteDatabase
            {
                return Err(err(p.span(), format!("step `{sid}`: promotion is only for kind = \"promote-database\"")));
            }
            let approval = match &step.approval {
                None => false,
                Some(a) if a.get_ref() != "commander" => {
                    return Err(err(
                        a.span(),
                        format!(
                            "step `{sid}`: approval = \"{}\" is not an approver; the only one is \"commander\"",
                            a.get_ref()
                        ),
                    ));
                }
                Some(_) if !step.kind.mutates() => {
                    return Err(err(
                        step.id.span(),
                        format!(
                            "step `{sid}`: approval is for steps that change something (freeze, unfreeze, promote, shift)"
                        ),
                    ));
                }
                Some(_) => true,
            };
            steps.push(Step {
                id: sid.clone(),
                title: plain_title(step.title.as_ref(), sid, &err)?,
                kind: step.kind,
                guards,
                timeout,
                promotion: step.promotion.as_ref().map(|p| *p.get_ref()),
                approval,
            });
        }
        let runbook = Runbook {
            id: id.clone(),
            title: plain_title(book.title.as_ref(), id, &err)?,
            direction: book.direction,
            steps,
        };
        if let Err((step, cycle)) = check_cycles(std::slice::from_ref(&runbook)) {
            let span = book.steps.iter().find(|s| s.id.get_ref() == &step).map_or(book.id.span(), |s| s.id.span());
            return Err(err(span, format!("runbook `{id}`: `after:` guards form a cycle: {cycle}")));
        }
        custom.push(runbook);
    }
    let mut out: Vec<Runbook> = built_ins.into_iter().filter(|b| !custom.iter().any(|c| c.id == b.id)).collect();
    out.extend(custom);
    Ok(out)
}

/// Every runbook's `after:` chains end: no step (transitively) waits for itself.
/// On a cycle, the first step found in it and the cycle as `a → b → a`.
pub fn check_cycles(books: &[Runbook]) -> Result<(), (String, String)> {
    for book in books {
        // 0 = unvisited, 1 = on the current path, 2 = done.
        let mut mark = vec![0u8; book.steps.len()];
        for start in 0..book.steps.len() {
            let mut path = Vec::new();
            if let Some(cycle) = visit(book, start, &mut mark, &mut path) {
                return Err(cycle);
            }
        }
    }
    Ok(())
}

fn visit(book: &Runbook, i: usize, mark: &mut [u8], path: &mut Vec<usize>) -> Option<(String, String)> {
    match mark[i] {
        2 => return None,
        1 => {
            let from = path.iter().position(|p| *p == i).unwrap_or(0);
            let mut names: Vec<&str> = path[from..].iter().map(|p| book.steps[*p].id.as_str()).collect();
            names.push(book.steps[i].id.as_str());
            return Some((book.steps[i].id.clone(), names.join(" → ")));
        }
        _ => {}
    }
    mark[i] = 1;
    path.push(i);
    for guard in &book.steps[i].guards {
        if let Guard::After(target) = guard
            && let Some((j, _)) = book.step(target)
            && let Some(cycle) = visit(book, j, mark, path)
        {
            return Some(cycle);
        }
    }
    path.pop();
    mark[i] = 2;
    None
}
