//! What a screen tells the shared frame around its body: titles, the input prompt, key hints,
//! and where it is in a long list.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chrome {
    pub title: &'static str,
    /// For headers of 40 columns or fewer.
    pub short_title: &'static str,
    pub prompt: &'static str,
    /// PINs are shown as stars.
    pub masked: bool,
    pub hints: Vec<(&'static str, &'static str)>,
    pub page: Option<Page>,
}

/// One-based page and page count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub current: usize,
    pub count: usize,
}
