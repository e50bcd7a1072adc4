//! The crate's structure points one way: no module imports one in a layer above it, and no
//! two modules import each other, top-level or siblings inside one module.
//!
//! Read from the source with `syn`: every `use`, every path in code and every `crate::`/
//! `super::` path inside a macro's tokens. Test-only code (`#[cfg(test)]`) is exempt: a unit
//! test may build its fixtures from any layer. The checker proves it can fail on a small
//! fixture tree with one deliberate upward import and one sibling cycle.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stdout)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::Visit;

/// warroom's layers, lowest first. A module may import its own layer's modules (one way)
/// and any layer below; docs/architecture.md draws the same table.
const LAYERS: &[&[&str]] = &[
    &["text", "model", "toml_source"],
    &["runbook", "config", "theme"],
    &["assess", "sim"],
    &["scribe"],
    &["drill"],
    &["review"],
    &["aws", "sources", "actions"],
    &["app"],
    &["ui"],
    &["runtime"],
    &["modes"],
    &["cli"],
];

#[test]
fn warroom_points_one_way() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let problems = check(&root, LAYERS);
    assert!(problems.is_empty(), "the structure no longer points one way:\n{}", problems.join("\n"));
}

#[test]
fn the_checker_catches_an_upward_import_and_a_sibling_cycle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/layers/src");
    let problems = check(&root, &[&["base"], &["top"]]);
    assert_eq!(
        problems,
        [
            "base (layer 0) imports top (layer 1, above it) at base/mod.rs:6: crate::top::Screen",
            "cycle inside the crate: base → top → base (base/mod.rs:6: crate::top::Screen; top.rs:2: crate::base::Model)",
            "cycle inside base: left → right → left (base/left/mod.rs:3: super::right::Right; base/right.rs:3: super::left::Left)",
        ],
        "the fixture's upward import (also a cycle, since top uses base) and its sibling cycle"
    );
}

#[test]
fn every_top_level_module_has_a_layer() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/layers/src");
    let problems = check(&root, &[&["base"]]);
    assert!(problems.iter().any(|p| p == "module top has no layer"), "{problems:?}");
}

/// One module file and where its source lives.
struct ModFile {
    path: Vec<String>,
    file: PathBuf,
}

/// An import from one module to another, with where it was written.
struct Import {
    from: Vec<String>,
    to: Vec<String>,
    at: String,
}

fn check(root: &Path, layers: &[&[&str]]) -> Vec<String> {
    let files = module_files(root);
    let known: BTreeSet<Vec<String>> = files.iter().map(|m| m.path.clone()).collect();
    let mut imports = Vec::new();
    for m in &files {
        let text = std::fs::read_to_string(&m.file).unwrap();
        let ast = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", m.file.display()));
        let mut paths = Paths::default();
        paths.visit_file(&ast);
        let rel = m.file.strip_prefix(root).unwrap().display().to_string();
        for (segments, line) in paths.found {
            let Some(absolute) = resolve(&m.path, &segments) else { continue };
            let Some(target) = (1..=absolute.len()).rev().map(|n| absolute[..n].to_vec()).find(|p| known.contains(p))
            else {
                continue;
            };
            imports.push(Import {
                from: m.path.clone(),
                to: target,
                at: format!("{rel}:{line}: {}", segments.join("::")),
            });
        }
    }

    let layer_of = |name: &str| layers.iter().position(|l| l.contains(&name));
    let mut problems = Vec::new();
    let tops: BTreeSet<&String> = files.iter().filter_map(|m| m.path.first()).collect();
    for top in &tops {
        if layer_of(top).is_none() {
            problems.push(format!("module {top} has no layer"));
        }
    }

    // Lift each import to the two siblings it connects (children of the common parent);
    // a parent and its own descendants may refer to each other.
    let mut siblings: BTreeMap<Vec<String>, BTreeMap<(String, String), String>> = BTreeMap::new();
    for i in &imports {
        let common = i.from.iter().zip(&i.to).take_while(|(a, b)| a == b).count();
        if common == i.from.len() || common == i.to.len() {
            continue;
        }
        let (a, b) = (i.from[common].clone(), i.to[common].clone());
        if common == 0
            && let (Some(la), Some(lb)) = (layer_of(&a), layer_of(&b))
            && lb > la
        {
            problems.push(format!("{a} (layer {la}) imports {b} (layer {lb}, above it) at {}", i.at));
        }
        siblings.entry(i.from[..common].to_vec()).or_default().entry((a, b)).or_insert_with(|| i.at.clone());
    }
    for (parent, edges) in &siblings {
        for cycle in cycles(edges) {
            let mut path: Vec<String> = cycle.clone();
            path.push(cycle[0].clone());
            let evidence: Vec<&str> = path.windows(2).map(|w| edges[&(w[0].clone(), w[1].clone())].as_str()).collect();
            let place = if parent.is_empty() { "the crate".to_owned() } else { parent.join("::") };
            problems.push(format!("cycle inside {place}: {} ({})", path.join(" → "), evidence.join("; ")));
        }
    }
    problems
}

/// Every strongly connected group of two or more modules, each as one cycle through it.
fn cycles(edges: &BTreeMap<(String, String), String>) -> Vec<Vec<String>> {
    let nodes: BTreeSet<&String> = edges.keys().flat_map(|(a, b)| [a, b]).collect();
    let reach = |from: &String| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.clone()];
        while let Some(n) = todo.pop() {
            for (a, b) in edges.keys() {
                if *a == n && seen.insert(b.clone()) {
                    todo.push(b.clone());
                }
            }
        }
        seen
    };
    let reachable: BTreeMap<&String, BTreeSet<String>> = nodes.iter().map(|n| (*n, reach(n))).collect();
    let mut done = BTreeSet::new();
    let mut found = Vec::new();
    for n in &nodes {
        if done.contains(*n) || !reachable[n].contains(*n) {
            continue;
        }
        let group: BTreeSet<String> = nodes
            .iter()
            .filter(|m| reachable[n].contains(**m) && reachable[*m].contains(*n))
            .map(|m| (*m).clone())
            .collect();
        done.extend(group.iter().cloned());
        // The shortest cycle through the group's first module (breadth-first back to it).
        let mut came_from: BTreeMap<String, String> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([(*n).clone()]);
        'search: while let Some(at) = queue.pop_front() {
            for (a, b) in edges.keys().filter(|(a, b)| *a == at && group.contains(b)) {
                if b == *n {
                    came_from.insert(format!("{n}\u{0}end"), a.clone());
                    break 'search;
                }
                if !came_from.contains_key(b) {
                    came_from.insert(b.clone(), a.clone());
                    queue.push_back(b.clone());
                }
            }
        }
        let mut cycle = Vec::new();
        let mut at = came_from.get(&format!("{n}\u{0}end")).cloned();
        while let Some(m) = at {
            if m == **n {
                break;
            }
            at = came_from.get(&m).cloned();
            cycle.push(m);
        }
        cycle.push((*n).clone());
        cycle.reverse();
        found.push(cycle);
    }
    found
}

/// Where a path written in module `here` points, as an absolute module path.
fn resolve(here: &[String], segments: &[String]) -> Option<Vec<String>> {
    let mut base: Vec<String> = match segments.first()?.as_str() {
        "crate" => Vec::new(),
        "self" => here.to_vec(),
        "super" => here.to_vec(),
        _ => return None,
    };
    let mut rest = &segments[1..];
    if segments[0] == "super" {
        base.pop()?;
        while rest.first().is_some_and(|s| s == "super") {
            base.pop()?;
            rest = &rest[1..];
        }
    }
    base.extend(rest.iter().cloned());
    Some(base)
}

/// The module files under `root`, leaving out modules declared `#[cfg(test)] mod x;`.
fn module_files(root: &Path) -> Vec<ModFile> {
    let mut out = Vec::new();
    walk(root, root, &mut out);
    let test_only: BTreeSet<Vec<String>> = out
        .iter()
        .flat_map(|m| {
            let ast = syn::parse_file(&std::fs::read_to_string(&m.file).unwrap()).unwrap();
            let parent = m.path.clone();
            ast.items
                .into_iter()
                .filter_map(move |item| match item {
                    syn::Item::Mod(module) if module.content.is_none() && is_test_only(&module.attrs) => {
                        let mut p = parent.clone();
                        p.push(module.ident.to_string());
                        Some(p)
                    }
                    _ => None,
                })
                .collect::<Vec<_>>()
        })
        .collect();
    out.retain(|m| !test_only.iter().any(|t| m.path.starts_with(t)));
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<ModFile>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let file = entry.unwrap().path();
        if file.is_dir() {
            walk(root, &file, out);
            continue;
        }
        if file.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let rel = file.strip_prefix(root).unwrap();
        let mut path: Vec<String> = rel.iter().map(|s| s.to_string_lossy().into_owned()).collect();
        let last = path.pop().unwrap();
        match last.as_str() {
            // The binary is a client of the library, not part of its structure.
            "main.rs" if path.is_empty() => continue,
            "lib.rs" if path.is_empty() => {}
            "mod.rs" => {}
            other => path.push(other.trim_end_matches(".rs").to_owned()),
        }
        out.push(ModFile { path, file });
    }
}

fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs
        .iter()
        .any(|a| a.path().is_ident("cfg") && a.meta.require_list().is_ok_and(|l| l.tokens.to_string() == "test"))
}

/// Every `crate`/`self`/`super` path in a file, with its line, outside test-only items.
#[derive(Default)]
struct Paths {
    found: Vec<(Vec<String>, usize)>,
}

impl Paths {
    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree, line: usize) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree, line);
                prefix.pop();
            }
            syn::UseTree::Name(n) => self.leaf(prefix, &n.ident.to_string(), line),
            syn::UseTree::Rename(r) => self.leaf(prefix, &r.ident.to_string(), line),
            syn::UseTree::Glob(_) => self.found.push((prefix.clone(), line)),
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.use_tree(prefix, t, line);
                }
            }
        }
    }

    fn leaf(&mut self, prefix: &[String], name: &str, line: usize) {
        let mut p = prefix.to_vec();
        if name != "self" {
            p.push(name.to_owned());
        }
        self.found.push((p, line));
    }

    /// `crate :: a :: b` sequences in a macro's tokens (format!, assert!, json! ...).
    fn tokens(&mut self, tokens: TokenStream) {
        let list: Vec<TokenTree> = tokens.into_iter().collect();
        let mut i = 0;
        while i < list.len() {
            match &list[i] {
                TokenTree::Group(g) => self.tokens(g.stream()),
                TokenTree::Ident(id) if ["crate", "super", "self"].contains(&id.to_string().as_str()) => {
                    let line = id.span().start().line;
                    let mut segments = vec![id.to_string()];
                    let mut j = i + 1;
                    while j + 2 < list.len() + 1 {
                        let colons = matches!((&list.get(j), &list.get(j + 1)),
                            (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b))) if a.as_char() == ':' && b.as_char() == ':');
                        match (colons, list.get(j + 2)) {
                            (true, Some(TokenTree::Ident(next))) => {
                                segments.push(next.to_string());
                                j += 3;
                            }
                            _ => break,
                        }
                    }
                    if segments.len() > 1 {
                        self.found.push((segments, line));
                    }
                    i = j.max(i + 1);
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
    }
}

impl<'ast> Visit<'ast> for Paths {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let attrs = match item {
            syn::Item::Fn(x) => &x.attrs,
            syn::Item::Mod(x) => &x.attrs,
            syn::Item::Impl(x) => &x.attrs,
            syn::Item::Use(x) => &x.attrs,
            syn::Item::Struct(x) => &x.attrs,
            syn::Item::Enum(x) => &x.attrs,
            syn::Item::Const(x) => &x.attrs,
            syn::Item::Static(x) => &x.attrs,
            syn::Item::Trait(x) => &x.attrs,
            _ => return syn::visit::visit_item(self, item),
        };
        if !is_test_only(attrs) {
            syn::visit::visit_item(self, item);
        }
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        let line = item.use_token.span.start().line;
        self.use_tree(&mut Vec::new(), &item.tree, line);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        if let Some(first) = path.segments.first() {
            let line = first.ident.span().start().line;
            let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
            if segments.len() > 1 {
                self.found.push((segments, line));
            }
        }
        syn::visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.tokens(mac.tokens.clone());
        syn::visit::visit_macro(self, mac);
    }
}
