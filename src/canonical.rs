//! URL canonicalization: one spelling per article address.
//!
//! Drops the fragment and tracking parameters (`utm_*`, `fbclid`, `gclid`,
//! ...), lowercases the scheme and host (the `url` crate does that and drops
//! default ports), removes an empty query. The list of tracking parameters
//! follows the public lists Miniflux's `urlcleaner` draws from.
//!
//! Pure and synchronous: no I/O.

use url::Url;

/// Query parameters that only track the reader, never select content.
const TRACKING_PARAMS: &[&str] = &[
    "fbclid",
    "gclid",
    "gclsrc",
    "dclid",
    "gbraid",
    "wbraid",
    "msclkid",
    "yclid",
    "twclid",
    "igshid",
    "mc_cid",
    "mc_eid",
    "mkt_tok",
    "_hsenc",
    "_hsmi",
    "__hssc",
    "__hstc",
    "__hsfp",
    "hsctatracking",
    "oly_anon_id",
    "oly_enc_id",
    "rb_clickid",
    "s_cid",
    "vero_conv",
    "vero_id",
    "wickedid",
    "_openstat",
    "ref_src",
    "ref_url",
    "cmpid",
    "ncid",
    "sr_share",
    "at_medium",
    "at_campaign",
    "at_custom1",
    "at_custom2",
    "at_custom3",
    "at_custom4",
];

/// Prefixes of tracking parameter families.
const TRACKING_PREFIXES: &[&str] = &["utm_", "pk_", "mtm_", "piwik_", "matomo_"];

/// Whether a query parameter is a tracker.
pub fn is_tracking_param(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    TRACKING_PARAMS.contains(&lower.as_str())
        || TRACKING_PREFIXES.iter().any(|p| lower.starts_with(p))
}

/// The canonical form of an absolute URL.
pub fn canonicalize(url: &Url) -> Url {
    let mut url = url.clone();
    url.set_fragment(None);
    if url.query().is_some() {
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(name, _)| !is_tracking_param(name))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if kept.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(kept);
        }
    }
    // `Url` already lowercases the scheme and host and drops default ports;
    // a trailing dot on the host names the same host.
    if let Some(host) = url.host_str()
        && host.ends_with('.')
        && host.len() > 1
    {
        let trimmed = host.trim_end_matches('.').to_owned();
        let _ = url.set_host(Some(&trimmed));
    }
    url
}

/// Parses `href` against `base` and canonicalizes it; `None` for anything
/// that is not http or https.
pub fn resolve(base: Option<&Url>, href: &str) -> Option<Url> {
    let href = href.trim();
    let url = match base {
        Some(base) => base.join(href).ok()?,
        None => Url::parse(href).ok()?,
    };
    matches!(url.scheme(), "http" | "https").then(|| canonicalize(&url))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn canon(s: &str) -> String {
        canonicalize(&Url::parse(s).unwrap()).to_string()
    }

    #[test]
    fn strips_trackers_fragment_and_default_port() {
        assert_eq!(
            canon("HTTPS://News.Example.COM:443/a/b?utm_source=x&id=3&fbclid=y#top"),
            "https://news.example.com/a/b?id=3"
        );
        assert_eq!(
            canon("http://example.com:80/?gclid=1"),
            "http://example.com/"
        );
        assert_eq!(
            canon("http://example.com:8080/x"),
            "http://example.com:8080/x"
        );
        assert_eq!(
            canon("https://example.com./x?UTM_Medium=a"),
            "https://example.com/x"
        );
    }

    #[test]
    fn keeps_content_parameters_in_order() {
        assert_eq!(canon("https://e.com/p?b=2&a=1"), "https://e.com/p?b=2&a=1");
    }

    #[test]
    fn resolves_relative_links() {
        let base = Url::parse("https://e.com/blog/feed.xml").unwrap();
        assert_eq!(
            resolve(Some(&base), "../post/1#c").unwrap().as_str(),
            "https://e.com/post/1"
        );
        assert!(resolve(Some(&base), "mailto:x@e.com").is_none());
        assert!(resolve(None, "/relative").is_none());
    }

    proptest! {
        #[test]
        fn canonicalization_is_idempotent(
            host in "[a-zA-Z]{1,10}(\\.[a-zA-Z]{1,5}){0,2}\\.?",
            port in proptest::option::of(1u16..),
            path in "(/[a-zA-Z0-9%._~-]{0,8}){0,4}",
            query in proptest::collection::vec(("(utm_[a-z]{1,4}|fbclid|[a-z]{1,4})", "[a-zA-Z0-9 %&=+]{0,6}"), 0..4),
            fragment in proptest::option::of("[a-z]{0,5}"),
        ) {
            let mut text = format!("https://{host}");
            if let Some(port) = port { text.push_str(&format!(":{port}")); }
            text.push_str(&path);
            if !query.is_empty() {
                let pairs: Vec<String> = query.iter().map(|(k, v)| format!("{k}={}", v.replace(['&', '='], ""))).collect();
                text.push('?');
                text.push_str(&pairs.join("&"));
            }
            if let Some(f) = fragment { text.push('#'); text.push_str(&f); }
            if let Ok(url) = Url::parse(&text) {
                let once = canonicalize(&url);
                let twice = canonicalize(&once);
                prop_assert_eq!(&once, &twice);
                prop_assert!(once.fragment().is_none());
                prop_assert!(!once.query_pairs().any(|(k, _)| is_tracking_param(&k)));
            }
        }
    }
}
