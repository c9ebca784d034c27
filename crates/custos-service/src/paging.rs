//! Pages of long lists (subjects, decisions): keyset paging in both directions, with the total
//! and where the page sits in it, so the console can say "51-100 of 1,204" and link to the
//! next and previous pages without counting through the list.

/// Where a page starts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum PageAt {
    /// The first page.
    #[default]
    First,
    /// The page after the item with this id.
    After(String),
    /// The page before the item with this id.
    Before(String),
}

impl PageAt {
    /// From the `after` and `before` query parameters (`after` wins when both are given).
    pub fn from_params(after: Option<String>, before: Option<String>) -> Self {
        match (after.filter(|a| !a.is_empty()), before.filter(|b| !b.is_empty())) {
            (Some(a), _) => Self::After(a),
            (None, Some(b)) => Self::Before(b),
            (None, None) => Self::First,
        }
    }
}

/// A page of a list.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The items, in the list's order.
    pub items: Vec<T>,
    /// Items in the whole list.
    pub total: u64,
    /// Items before this page.
    pub offset: u64,
    /// The id to pass as `after` for the next page; `None` on the last page.
    pub next_after: Option<String>,
    /// The id to pass as `before` for the previous page; `None` on the first page.
    pub prev_before: Option<String>,
}

impl<T> Page<T> {
    /// A page of `items` at `offset` of `total`, whose ids are given by `id`.
    pub(crate) fn new(items: Vec<T>, total: u64, offset: u64, id: impl Fn(&T) -> String) -> Self {
        let shown = items.len() as u64;
        let next_after = (offset + shown < total).then(|| items.last().map(&id)).flatten();
        let prev_before = (offset > 0).then(|| items.first().map(&id)).flatten();
        Self { items, total, offset, next_after, prev_before }
    }

    /// The first item's position, counting from 1 (0 for an empty page).
    pub fn first_position(&self) -> u64 {
        if self.items.is_empty() { 0 } else { self.offset + 1 }
    }

    /// The last item's position, counting from 1.
    pub fn last_position(&self) -> u64 {
        self.offset + self.items.len() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_only_where_there_is_more() {
        let first = Page::new(vec![1, 2], 5, 0, |i| i.to_string());
        assert_eq!((first.next_after.as_deref(), first.prev_before.as_deref()), (Some("2"), None));
        assert_eq!((first.first_position(), first.last_position()), (1, 2));
        let last = Page::new(vec![5], 5, 4, |i| i.to_string());
        assert_eq!((last.next_after.as_deref(), last.prev_before.as_deref()), (None, Some("5")));
        let empty: Page<u8> = Page::new(vec![], 0, 0, |i| i.to_string());
        assert_eq!((empty.first_position(), empty.next_after, empty.prev_before), (0, None, None));
        assert_eq!(PageAt::from_params(Some(String::new()), Some("b".into())), PageAt::Before("b".into()));
    }
}
