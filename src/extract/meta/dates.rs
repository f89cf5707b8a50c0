//! Date parsing and normalization for `published` and `modified`.
//!
//! Output is RFC 3339 with the source's own UTC offset kept
//! (`2024-05-02T10:00:00+02:00`) when the source gives a time *and* an
//! offset, and a bare `YYYY-MM-DD` otherwise. A wall-clock time without an
//! offset is not an instant; rather than invent a zone we keep only its
//! calendar date, which is what the page states for sure.
//!
//! Nothing here reads a clock: the same input always gives the same output.
//! Years before 1995 or after 2100 are rejected as implausible for a web
//! page (they are birth dates, copyright years or parse accidents).

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat};

/// Earliest plausible year of a web article.
const MIN_YEAR: i32 = 1995;
/// Latest plausible year; only guards against parse accidents.
const MAX_YEAR: i32 = 2100;

/// A parsed date, with as much precision as the source gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Parsed {
    /// Only a calendar date, or a time without an offset.
    Date(NaiveDate),
    /// An instant in the source's own offset.
    Instant(DateTime<FixedOffset>),
}

impl Parsed {
    /// The calendar date as written.
    pub(super) fn date(self) -> NaiveDate {
        match self {
            Parsed::Date(d) => d,
            Parsed::Instant(t) => t.date_naive(),
        }
    }

    /// The output form: RFC 3339 or `YYYY-MM-DD`.
    pub(super) fn render(self) -> String {
        match self {
            Parsed::Date(d) => d.format("%Y-%m-%d").to_string(),
            Parsed::Instant(t) => t.to_rfc3339_opts(SecondsFormat::Secs, true),
        }
    }
}

/// Parses a date in any supported form: ISO 8601 / RFC 3339 and their
/// loose variants (space for `T`, `/` or `.` between parts, offsets as
/// `+0200`, `+02`, `Z`, `UTC`, `GMT`), RFC 2822, `DD.MM.YYYY`, English
/// `May 2, 2024` / `2 May 2024`, compact `YYYYMMDD`, and Unix time in
/// seconds or milliseconds.
pub(super) fn parse(raw: &str) -> Option<Parsed> {
    let s = raw.trim();
    if s.is_empty() || s.len() > 80 {
        return None;
    }
    let parsed = parse_iso(s)
        .or_else(|| parse_epoch(s))
        .or_else(|| DateTime::parse_from_rfc2822(s).ok().map(Parsed::Instant))
        .or_else(|| parse_dmy(s))
        .or_else(|| parse_cjk(s))
        .or_else(|| parse_english(s))?;
    let year = parsed.date().format("%Y").to_string().parse::<i32>().ok()?;
    (MIN_YEAR..=MAX_YEAR).contains(&year).then_some(parsed)
}

/// Parses and renders in one step.
pub(super) fn normalize(raw: &str) -> Option<String> {
    parse(raw).map(Parsed::render)
}

/// A date written in a URL path (`/2024/05/02/`, `-2024-05-02-`,
/// `-20240502-`); the weakest source, used last.
pub(super) fn from_url(url: &str) -> Option<String> {
    let path = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest.find('/').map_or("", |at| &rest[at..]));
    let path = path.split(['?', '#']).next().unwrap_or("");
    let bytes = path.as_bytes();
    let digits_at = |at: usize, n: usize| -> Option<u32> {
        let part = bytes.get(at..at + n)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    let boundary = |at: usize| at == 0 || !bytes[at - 1].is_ascii_digit();
    for at in 0..bytes.len() {
        if !boundary(at) {
            continue;
        }
        let Some(year) = digits_at(at, 4) else {
            continue;
        };
        let sep = bytes.get(at + 4).copied();
        let found = match sep {
            Some(b'/' | b'-' | b'_') => {
                let sep = bytes[at + 4];
                // Month and day of one or two digits, then a separator or end.
                let (month, m_len) = digits_at(at + 5, 2)
                    .map(|m| (m, 2))
                    .or_else(|| digits_at(at + 5, 1).map(|m| (m, 1)))
                    .unwrap_or((0, 0));
                let day_at = at + 5 + m_len + 1;
                if m_len == 0 || bytes.get(at + 5 + m_len) != Some(&sep) {
                    None
                } else {
                    let (day, d_len) = digits_at(day_at, 2)
                        .map(|d| (d, 2))
                        .or_else(|| digits_at(day_at, 1).map(|d| (d, 1)))
                        .unwrap_or((0, 0));
                    let end = bytes.get(day_at + d_len);
                    (d_len > 0 && end.is_none_or(|b| !b.is_ascii_digit())).then_some((month, day))
                }
            }
            _ => {
                // Compact YYYYMMDD between non-digits.
                let month = digits_at(at + 4, 2);
                let day = digits_at(at + 6, 2);
                let end = bytes.get(at + 8);
                match (month, day) {
                    (Some(m), Some(d)) if end.is_none_or(|b| !b.is_ascii_digit()) => Some((m, d)),
                    _ => None,
                }
            }
        };
        if let Some((month, day)) = found
            && let Some(date) = NaiveDate::from_ymd_opt(year as i32, month, day)
            && (MIN_YEAR..=MAX_YEAR).contains(&(year as i32))
        {
            return Some(Parsed::Date(date).render());
        }
    }
    None
}

/// Reads `n` ASCII digits at the start of `s`.
fn take_digits(s: &str, min: usize, max: usize) -> Option<(u32, &str)> {
    let len = s.bytes().take(max).take_while(u8::is_ascii_digit).count();
    if len < min {
        return None;
    }
    Some((s[..len].parse().ok()?, &s[len..]))
}

fn parse_iso(s: &str) -> Option<Parsed> {
    let (year, rest) = take_digits(s, 4, 4)?;
    let sep = rest.chars().next()?;
    let (month, day, rest) = if matches!(sep, '-' | '/' | '.') {
        let (month, rest) = take_digits(&rest[1..], 1, 2)?;
        let rest = rest.strip_prefix(sep)?;
        let (day, rest) = take_digits(rest, 1, 2)?;
        (month, day, rest)
    } else {
        // Compact YYYYMMDD.
        let (month, rest) = take_digits(rest, 2, 2)?;
        let (day, rest) = take_digits(rest, 2, 2)?;
        if rest.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        (month, day, rest)
    };
    let date = NaiveDate::from_ymd_opt(year as i32, month, day)?;
    // Optional time.
    let rest_trim = rest.trim_start_matches([' ', 'T', 't']);
    if rest_trim.len() == rest.len() && !rest.is_empty() && !rest.starts_with(',') {
        // Something else follows the date directly: accept only the date.
        return Some(Parsed::Date(date));
    }
    let Some((hour, after)) = take_digits(rest_trim.trim_start_matches(',').trim(), 1, 2) else {
        return Some(Parsed::Date(date));
    };
    let Some(after) = after.strip_prefix(':') else {
        return Some(Parsed::Date(date));
    };
    let Some((minute, mut after)) = take_digits(after, 2, 2) else {
        return Some(Parsed::Date(date));
    };
    let mut second = 0;
    if let Some(rest) = after.strip_prefix(':')
        && let Some((sec, rest)) = take_digits(rest, 2, 2)
    {
        second = sec;
        after = rest;
    }
    if let Some(rest) = after.strip_prefix(['.', ',']) {
        after = rest.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let Some(time) = NaiveTime::from_hms_opt(hour, minute, second.min(59)) else {
        return Some(Parsed::Date(date));
    };
    match parse_offset(after.trim()) {
        Some(offset) => NaiveDateTime::new(date, time)
            .and_local_timezone(offset)
            .single()
            .map(Parsed::Instant),
        None => Some(Parsed::Date(date)),
    }
}

/// A UTC offset: `Z`, `UTC`, `GMT`, `+02:00`, `+0200`, `+02`.
fn parse_offset(s: &str) -> Option<FixedOffset> {
    let upper = s.to_ascii_uppercase();
    if upper == "Z" || upper.starts_with("UTC") || upper.starts_with("GMT") {
        let rest = s[3.min(s.len())..].trim();
        if upper == "Z" || rest.is_empty() {
            return FixedOffset::east_opt(0);
        }
        return parse_offset(rest);
    }
    let sign = match s.chars().next()? {
        '+' => 1,
        '-' | '\u{2212}' => -1,
        _ => return None,
    };
    let body = s[s.chars().next()?.len_utf8()..].trim();
    let (hours, rest) = take_digits(body, 1, 2)?;
    let rest = rest.strip_prefix(':').unwrap_or(rest);
    let minutes = take_digits(rest, 2, 2).map_or(0, |(m, _)| m);
    if hours > 14 || minutes > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (hours as i32 * 3600 + minutes as i32 * 60))
}

fn parse_epoch(s: &str) -> Option<Parsed> {
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let seconds: i64 = match s.len() {
        10 => s.parse().ok()?,
        13 => s.parse::<i64>().ok()? / 1000,
        _ => return None,
    };
    let utc = DateTime::from_timestamp(seconds, 0)?;
    Some(Parsed::Instant(utc.fixed_offset()))
}

/// `DD.MM.YYYY` (also `D.M.YYYY` and `/` between parts), as written in much
/// of Europe; time after it is ignored.
fn parse_dmy(s: &str) -> Option<Parsed> {
    let (day, rest) = take_digits(s, 1, 2)?;
    let sep = rest.chars().next()?;
    if !matches!(sep, '.' | '/' | '-') {
        return None;
    }
    let (month, rest) = take_digits(&rest[1..], 1, 2)?;
    let rest = rest.strip_prefix(sep)?;
    let (year, rest) = take_digits(rest, 4, 4)?;
    if rest.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    NaiveDate::from_ymd_opt(year as i32, month, day).map(Parsed::Date)
}

/// Chinese, Japanese and Korean dates: `2025年4月1日`, `2025년 4월 1일`.
fn parse_cjk(s: &str) -> Option<Parsed> {
    let number_before = |text: &str, mark: char| -> Option<(u32, usize)> {
        let at = text.find(mark)?;
        let before = text[..at].trim_end();
        let start = before.rfind(|c: char| !c.is_ascii_digit()).map_or(0, |i| {
            i + before[i..].chars().next().map_or(1, char::len_utf8)
        });
        Some((before[start..].parse().ok()?, at + mark.len_utf8()))
    };
    for (year_mark, month_mark, day_mark) in [('年', '月', '日'), ('년', '월', '일')] {
        let Some((year, after_year)) = number_before(s, year_mark) else {
            continue;
        };
        let rest = &s[after_year..];
        let (month, after_month) = number_before(rest, month_mark)?;
        let (day, _) = number_before(&rest[after_month..], day_mark)?;
        return NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day).map(Parsed::Date);
    }
    None
}

/// English month-name dates: `May 2, 2024`, `2 May 2024`, `Thu, 2 May 2024`.
fn parse_english(s: &str) -> Option<Parsed> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let mut month = None;
    let mut day = None;
    let mut year = None;
    for word in s
        .split(|c: char| c.is_whitespace() || c == ',' || c == '.')
        .filter(|w| !w.is_empty())
    {
        let lower = word.to_ascii_lowercase();
        if month.is_none()
            && lower.len() >= 3
            && let Some(m) = MONTHS.iter().position(|m| lower.starts_with(m))
        {
            month = Some(m as u32 + 1);
            continue;
        }
        let digits = lower.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            match digits.len() {
                1 | 2 if day.is_none() => day = digits.parse().ok(),
                4 if year.is_none() => year = digits.parse().ok(),
                _ => {}
            }
        }
        if month.is_some() && day.is_some() && year.is_some() {
            break;
        }
    }
    NaiveDate::from_ymd_opt(year?, month?, day?).map(Parsed::Date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_dates() {
        assert_eq!(normalize("2025年4月1日").as_deref(), Some("2025-04-01"));
        assert_eq!(
            normalize("公開 2024年 12月 31日 10:00").as_deref(),
            Some("2024-12-31")
        );
        assert_eq!(normalize("2023년 7월 9일").as_deref(), Some("2023-07-09"));
        assert_eq!(normalize("4月1日").as_deref(), None);
    }

    #[test]
    fn keeps_the_source_offset() {
        assert_eq!(
            normalize("2024-05-02T10:00:00+02:00").as_deref(),
            Some("2024-05-02T10:00:00+02:00")
        );
        assert_eq!(
            normalize("2024-05-02 10:00:00.123+0530").as_deref(),
            Some("2024-05-02T10:00:00+05:30")
        );
        assert_eq!(
            normalize("2024-05-02T22:10Z").as_deref(),
            Some("2024-05-02T22:10:00Z")
        );
        assert_eq!(
            normalize("Thu, 02 May 2024 10:00:00 -0400").as_deref(),
            Some("2024-05-02T10:00:00-04:00")
        );
    }

    #[test]
    fn a_time_without_offset_keeps_only_its_date() {
        assert_eq!(
            normalize("2024-05-02T23:30:00").as_deref(),
            Some("2024-05-02")
        );
        assert_eq!(normalize("2024/5/2").as_deref(), Some("2024-05-02"));
        assert_eq!(normalize("20240502").as_deref(), Some("2024-05-02"));
        assert_eq!(
            normalize("02.05.2024, 10:00").as_deref(),
            Some("2024-05-02")
        );
        assert_eq!(normalize("May 2, 2024").as_deref(), Some("2024-05-02"));
        assert_eq!(normalize("2 May 2024").as_deref(), Some("2024-05-02"));
    }

    #[test]
    fn epochs_are_utc() {
        assert_eq!(
            normalize("1714644000").as_deref(),
            Some("2024-05-02T10:00:00Z")
        );
        assert_eq!(
            normalize("1714644000000").as_deref(),
            Some("2024-05-02T10:00:00Z")
        );
    }

    #[test]
    fn rejects_implausible_and_garbage() {
        assert_eq!(normalize("1970-01-01"), None);
        assert_eq!(normalize("2024-13-45"), None);
        assert_eq!(normalize("yesterday"), None);
        assert_eq!(normalize(""), None);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,60}") {
            let _ = normalize(&text);
            let _ = from_url(&text);
        }
    }

    #[test]
    fn reads_dates_in_urls() {
        assert_eq!(
            from_url("https://a.example/2024/05/02/story/").as_deref(),
            Some("2024-05-02")
        );
        assert_eq!(
            from_url("https://a.example/article/2025-05-03-slug").as_deref(),
            Some("2025-05-03")
        );
        assert_eq!(
            from_url("https://a.example/x/slug-20260701-p60bhj.html").as_deref(),
            Some("2026-07-01")
        );
        assert_eq!(from_url("https://a.example/2024/05/story"), None);
        assert_eq!(from_url("https://a.example/id/1234567890"), None);
    }
}
