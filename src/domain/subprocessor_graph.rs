//! Subprocessor links form a directed graph (vendor → the vendors it relies on); it must stay
//! acyclic so that fourth-party chains have an end.

use std::collections::{HashMap, HashSet, VecDeque};

/// True when adding `from → to` to `edges` would close a cycle, i.e. `from` is already
/// reachable from `to` (or they are the same vendor).
pub fn would_create_cycle(edges: &[(String, String)], from: &str, to: &str) -> bool {
    if from == to {
        return true;
    }
    let mut next: HashMap<&str, Vec<&str>> = HashMap::new();
    for (a, b) in edges {
        next.entry(a.as_str()).or_default().push(b.as_str());
    }
    let mut seen: HashSet<&str> = HashSet::new();
    let mut queue: VecDeque<&str> = VecDeque::from([to]);
    while let Some(node) = queue.pop_front() {
        if node == from {
            return true;
        }
        if seen.insert(node) {
            if let Some(targets) = next.get(node) {
                queue.extend(targets.iter().copied());
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(a: &str, b: &str) -> (String, String) {
        (a.into(), b.into())
    }

    #[test]
    fn detects_cycles() {
        let edges = vec![e("a", "b"), e("b", "c")];
        assert!(would_create_cycle(&edges, "c", "a"));
        assert!(would_create_cycle(&edges, "a", "a"));
        assert!(!would_create_cycle(&edges, "a", "c"));
        assert!(!would_create_cycle(&edges, "d", "a"));
    }
}
