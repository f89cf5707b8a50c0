//! A small robots.txt matcher (RFC 9309): groups by user agent, `Allow` and
//! `Disallow` with `*` and `$`, longest match wins, `Allow` wins ties.
//!
//! Written here rather than taken from a crate because the maintained
//! choices pull old parser stacks; this is 100 lines and tested below.
//! Pure: the fetching and caching live in `http.rs`.

/// The rules of one robots.txt that apply to one user agent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Robots {
    rules: Vec<(bool, String)>,
}

impl Robots {
    /// A robots.txt that allows everything (missing file, 4xx).
    pub fn allow_all() -> Robots {
        Robots::default()
    }

    /// A robots.txt that forbids everything (RFC 9309 on a 5xx: assume complete disallow).
    pub fn disallow_all() -> Robots {
        Robots {
            rules: vec![(false, "/".to_owned())],
        }
    }

    /// Parses `text` keeping the group for `agent` (a product token such as
    /// `gleaner`), else the `*` group.
    pub fn parse(text: &str, agent: &str) -> Robots {
        let agent = agent.to_ascii_lowercase();
        let mut specific: Vec<(bool, String)> = Vec::new();
        let mut wildcard: Vec<(bool, String)> = Vec::new();
        let mut found_specific = false;
        // Agents of the group being read, and whether its rules have started.
        let mut group_agents: Vec<String> = Vec::new();
        let mut in_rules = false;
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            let Some((field, value)) = line.split_once(':') else {
                continue;
            };
            let field = field.trim().to_ascii_lowercase();
            let value = value.trim();
            match field.as_str() {
                "user-agent" => {
                    if in_rules {
                        group_agents.clear();
                        in_rules = false;
                    }
                    group_agents.push(value.to_ascii_lowercase());
                }
                "allow" | "disallow" => {
                    in_rules = true;
                    if value.is_empty() {
                        continue;
                    }
                    let rule = (field == "allow", value.to_owned());
                    if group_agents
                        .iter()
                        .any(|a| a != "*" && agent.contains(a.as_str()))
                    {
                        found_specific = true;
                        specific.push(rule.clone());
                    }
                    if group_agents.iter().any(|a| a == "*") {
                        wildcard.push(rule);
                    }
                }
                _ => {}
            }
        }
        Robots {
            rules: if found_specific { specific } else { wildcard },
        }
    }

    /// Whether `path` (path plus query) may be fetched.
    pub fn allowed(&self, path: &str) -> bool {
        let mut best: Option<(usize, bool)> = None;
        for (allow, pattern) in &self.rules {
            if matches(pattern, path) {
                let len = pattern.len();
                best = match best {
                    Some((l, a)) if l > len || (l == len && a) => Some((l, a)),
                    _ => Some((len, *allow)),
                };
            }
        }
        best.is_none_or(|(_, allow)| allow)
    }
}

/// Matches a robots pattern (`*` any run, `$` end anchor) against a path prefix.
fn matches(pattern: &str, path: &str) -> bool {
    let (pattern, anchored) = match pattern.strip_suffix('$') {
        Some(p) => (p, true),
        None => (pattern, false),
    };
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut pos = 0;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            if !path.starts_with(part) {
                return false;
            }
            pos = part.len();
        } else if i == parts.len() - 1 && anchored {
            return path.len() >= pos + part.len() && path.ends_with(part);
        } else {
            match path[pos..].find(part) {
                Some(found) => pos += found + part.len(),
                None => return false,
            }
        }
    }
    !anchored || pos == path.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_and_longest_match() {
        let text = "User-agent: *\nDisallow: /private\nAllow: /private/ok\n\nUser-agent: otherbot\nDisallow: /\n";
        let r = Robots::parse(text, "gleaner");
        assert!(r.allowed("/news/1"));
        assert!(!r.allowed("/private/x"));
        assert!(r.allowed("/private/ok/1"));
        let other = Robots::parse(text, "OtherBot");
        assert!(!other.allowed("/news/1"));
    }

    #[test]
    fn specific_group_replaces_wildcard() {
        let text = "User-agent: *\nDisallow: /\n\nUser-agent: gleaner\nUser-agent: foo\nDisallow: /admin\n";
        let r = Robots::parse(text, "gleaner");
        assert!(r.allowed("/news"));
        assert!(!r.allowed("/admin/x"));
    }

    #[test]
    fn wildcards_and_anchors() {
        let r = Robots::parse(
            "User-agent: *\nDisallow: /*.pdf$\nDisallow: /tmp*/x\n",
            "gleaner",
        );
        assert!(!r.allowed("/a/b.pdf"));
        assert!(r.allowed("/a/b.pdf?x"));
        assert!(!r.allowed("/tmp1/x"));
        assert!(r.allowed("/tmp1/y"));
        assert!(Robots::parse("", "g").allowed("/"));
        assert!(!Robots::disallow_all().allowed("/x"));
        assert!(Robots::parse("User-agent: *\nDisallow:\n", "g").allowed("/x"));
    }
}
