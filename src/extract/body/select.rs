//! Choosing the element that holds the article.
//!
//! Every block of text gets a value: its non-link characters when it reads
//! as prose, a penalty when it is mostly links or a short fragment. A
//! subtree's score is the sum of its blocks' values, and an element whose
//! tag or names mark it as chrome (navigation, comments, share bars, ...)
//! passes a penalty up instead of its text. The best container is the
//! element with the highest score: it holds as much prose and as little
//! chrome as the page allows, and ties go to the ancestor so headings and
//! neutral wrappers next to the text stay in. The page's own hints
//! (`itemprop=articleBody`, `<article>`, `<main>`) win when they hold nearly
//! as much.

use super::dom::{Dom, Tag};

/// Below this many characters of prose, a page holds no article.
pub(super) const MIN_ARTICLE_CHARS: f32 = 120.0;

/// The chosen container and how it was found.
#[derive(Debug, Clone, Copy)]
pub(super) struct Choice {
    /// Row index of the container.
    pub index: usize,
    /// Which strategy chose it.
    pub method: &'static str,
}

/// Scores every row and picks the container; `None` when no element holds
/// enough prose to be an article.
pub(super) fn choose(dom: &mut Dom<'_>) -> Option<Choice> {
    score(dom);
    let rows = &dom.rows;
    // Text inside chrome (a long comment, a sidebar essay) is no candidate
    // while anything outside chrome can be one.
    let mut inside_chrome = vec![false; rows.len()];
    let (mut best, mut best_score) = (0usize, f32::MIN);
    let (mut fallback, mut fallback_score) = (0usize, f32::MIN);
    for (i, row) in rows.iter().enumerate().skip(1) {
        inside_chrome[i] = inside_chrome[row.parent as usize] || is_chrome(row);
        if row.tag == Tag::Text {
            continue;
        }
        if !inside_chrome[i] && row.score > best_score {
            best = i;
            best_score = row.score;
        }
        if row.score > fallback_score {
            fallback = i;
            fallback_score = row.score;
        }
    }
    if best_score < MIN_ARTICLE_CHARS {
        (best, best_score) = (fallback, fallback_score);
    }
    if best_score < MIN_ARTICLE_CHARS {
        return None;
    }
    let mut choice = Choice {
        index: best,
        method: "scored",
    };
    // A hint that contains the scored container and nearly all its value
    // is the page's own statement of where the article is.
    let mut ancestor = rows[best].parent as usize;
    while ancestor != 0 {
        let row = &rows[ancestor];
        if row.signal.is_hint() && row.score >= 0.9 * best_score {
            choice = Choice {
                index: ancestor,
                method: "hint",
            };
        }
        ancestor = row.parent as usize;
    }
    // A hint inside the scored container that holds most of its value
    // leaves out what the container adds around it: teaser lists whose
    // descriptions read as prose, author boxes, comments without names.
    if choice.method == "scored" {
        let end = rows[best].end as usize;
        let mut inner: Option<usize> = None;
        let mut headline: Option<usize> = None;
        for i in best + 1..end {
            let row = &rows[i];
            if !row.signal.is_hint() || inside_chrome[i] {
                continue;
            }
            if inner.is_none_or(|j| row.score > rows[j].score) {
                inner = Some(i);
            }
            // The innermost hint around the headline.
            if row.signal.is_protected() {
                headline = Some(i);
            }
        }
        if let Some(i) = inner
            && rows[i].score >= 0.6 * best_score
        {
            choice = Choice {
                index: i,
                method: "hint",
            };
        }
        // Several articles in one container (a post followed by other
        // posts): the one holding the headline is the page's article.
        if let Some(h) = headline
            && choice.index != h
            && rows[h].score >= 0.2 * best_score
            && rows[h].score >= MIN_ARTICLE_CHARS
        {
            choice = Choice {
                index: h,
                method: "hint",
            };
        }
    }
    Some(choice)
}

/// Fills `score` of every row, bottom-up.
fn score(dom: &mut Dom<'_>) {
    let rows = &mut dom.rows;
    for i in (1..rows.len()).rev() {
        let row = &rows[i];
        if row.tag == Tag::Text {
            continue;
        }
        let mut score = row.score + own_value(row);
        if matches!(row.tag, Tag::Figure | Tag::Figcaption) || row.card {
            score = score.min(0.0);
        }
        if is_chrome(row) && score > 0.0 {
            score *= -0.5;
        }
        rows[i].score = score;
        let parent = rows[i].parent as usize;
        rows[parent].score += score;
    }
}

/// Whether a row is chrome by its tag or names.
fn is_chrome(row: &super::dom::Row<'_>) -> bool {
    (row.tag == Tag::Chrome && !row.signal.is_protected()) || row.signal.is_negative()
}

/// The value of the text a block owns directly.
fn own_value(row: &super::dom::Row<'_>) -> f32 {
    let chars = row.own_chars as f32;
    if chars == 0.0 || !row.tag.is_block() {
        return 0.0;
    }
    let links = row.own_link_chars as f32;
    let prose = chars - links;
    if matches!(row.tag, Tag::Heading(_)) {
        return -0.5 * links;
    }
    if links * 2.0 > chars {
        return -0.5 * chars;
    }
    if prose < 30.0 && row.own_punct == 0 {
        return -0.3 * chars;
    }
    prose - 0.5 * links
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::Html;

    fn chosen_id(html: &str) -> Option<String> {
        let doc = Html::parse_document(html);
        let mut dom = Dom::build(&doc);
        let choice = choose(&mut dom)?;
        dom.element(choice.index)
            .and_then(|e| e.attr("id"))
            .map(str::to_owned)
    }

    const PROSE: &str = "<p>This is a sentence of ordinary prose, long enough to count as text. \
        It goes on for a while, with commas, and ends with a full stop.</p>";

    #[test]
    fn prose_container_beats_link_lists_and_comments() {
        let html = format!(
            "<body><div id=page><nav><a href=/a>Home</a> <a href=/b>World news and more</a></nav>\
             <div id=story>{PROSE}{PROSE}{PROSE}</div>\
             <div id=comments>{PROSE}{PROSE}{PROSE}{PROSE}</div></div></body>"
        );
        assert_eq!(chosen_id(&html).as_deref(), Some("story"));
    }

    #[test]
    fn ties_go_to_the_ancestor() {
        let html = format!(
            "<body><div id=outer><h2>Section heading</h2><div id=inner>{PROSE}{PROSE}</div></div>\
             <ul><li><a href=/a>Elsewhere</a></li></ul></body>"
        );
        assert_eq!(chosen_id(&html).as_deref(), Some("outer"));
    }

    #[test]
    fn the_article_with_the_headline_wins_over_later_posts() {
        let html = format!(
            "<body><div id=list><article id=post><h1>The headline of this page</h1>{PROSE}{PROSE}</article>\
             <article id=other>{PROSE}{PROSE}{PROSE}{PROSE}</article></div>\
             <ul><li><a href=/a>Elsewhere</a></li></ul></body>"
        );
        assert_eq!(chosen_id(&html).as_deref(), Some("post"));
    }

    #[test]
    fn no_prose_means_no_container() {
        let html =
            "<body><ul><li><a href=/1>One headline</a></li><li><a href=/2>Two</a></li></ul></body>";
        assert_eq!(chosen_id(html), None);
    }
}
