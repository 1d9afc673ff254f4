//! Byte offset → 1-based line and column, for every text samsvar points into: suites,
//! config files, FHIR JSON and XDS XML payloads.
//!
//! A line is found by binary search over the line starts. A column counts characters,
//! as editors do, so it cannot be a plain subtraction of byte offsets once a line holds
//! multi-byte UTF-8: counting from the line start on every query is quadratic in the
//! length of the line (a SOAP response is often one 3 MB line with 200,000 elements).
//! So the index also records how many characters start before every
//! [`CHECKPOINT_STRIDE`]-th byte; a query counts at most one stride of bytes.

use serde::{Deserialize, Serialize};

/// Bytes between two character-count checkpoints: the most a column query scans.
pub const CHECKPOINT_STRIDE: usize = 256;

/// 1-based line and column (the column counted in characters, as editors do).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LineCol {
    pub line: usize,
    pub col: usize,
}

impl LineCol {
    pub fn new(line: usize, col: usize) -> LineCol {
        LineCol { line, col }
    }
}

/// Line starts and character-count checkpoints of one text. It does not hold the text:
/// queries take it again, so that an owner (a [`crate::SourceFile`]) can keep both.
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    len: usize,
    line_starts: Vec<usize>,
    /// `checkpoints[k]`: characters starting in `text[..k * CHECKPOINT_STRIDE]`; empty
    /// when the text is ASCII (every byte is then a character).
    checkpoints: Vec<usize>,
}

impl LineIndex {
    /// Indexes `text` in one pass. Accepts any bytes; columns count UTF-8 characters.
    pub fn new(text: impl AsRef<[u8]>) -> LineIndex {
        let text = text.as_ref();
        let mut line_starts = vec![0];
        line_starts.extend(
            text.iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i + 1),
        );
        let checkpoints = if text.is_ascii() {
            Vec::new()
        } else {
            let mut out = Vec::with_capacity(text.len() / CHECKPOINT_STRIDE + 1);
            let mut chars = 0;
            out.push(0);
            for block in text.chunks(CHECKPOINT_STRIDE) {
                chars += count_chars(block);
                out.push(chars);
            }
            out
        };
        LineIndex {
            len: text.len(),
            line_starts,
            checkpoints,
        }
    }

    /// The number of lines (a text without a newline has one).
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Line and column of a byte offset of the indexed `text`; offsets past the end
    /// clamp to the end. An offset inside a multi-byte character counts that character.
    pub fn line_col(&self, text: impl AsRef<[u8]>, offset: usize) -> LineCol {
        let text = text.as_ref();
        debug_assert_eq!(
            text.len(),
            self.len,
            "a LineIndex is queried with its own text"
        );
        let offset = offset.min(self.len).min(text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let col = if self.checkpoints.is_empty() {
            offset - start
        } else {
            self.chars_before(text, offset) - self.chars_before(text, start)
        };
        LineCol {
            line: line + 1,
            col: col + 1,
        }
    }

    /// Byte range of a 1-based line, without its line terminator.
    pub fn line_range(
        &self,
        text: impl AsRef<[u8]>,
        line: usize,
    ) -> Option<std::ops::Range<usize>> {
        let text = text.as_ref();
        let start = *self.line_starts.get(line.checked_sub(1)?)?;
        let mut end = self.line_starts.get(line).copied().unwrap_or(self.len);
        while end > start && matches!(text.get(end - 1), Some(b'\n' | b'\r')) {
            end -= 1;
        }
        Some(start..end)
    }

    /// Characters starting before `offset`: the checkpoint below it plus at most one
    /// stride of counting.
    fn chars_before(&self, text: &[u8], offset: usize) -> usize {
        let block = offset / CHECKPOINT_STRIDE;
        let from = block * CHECKPOINT_STRIDE;
        self.checkpoints[block] + count_chars(&text[from..offset])
    }
}

/// Characters starting in `bytes`: every byte that is not a UTF-8 continuation byte.
fn count_chars(bytes: &[u8]) -> usize {
    #[cfg(test)]
    tests::SCANNED.with(|s| s.set(s.get() + bytes.len()));
    bytes.iter().filter(|b| (**b as i8) >= -0x40).count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    thread_local! {
        /// Bytes counted by [`count_chars`] on this thread: the work a query does.
        pub(super) static SCANNED: Cell<usize> = const { Cell::new(0) };
    }

    #[test]
    fn one_based_and_counting_characters() {
        let text = "ab\nøx: 1\n";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(text, 0), LineCol::new(1, 1));
        assert_eq!(index.line_col(text, 2), LineCol::new(1, 3));
        assert_eq!(index.line_col(text, 3), LineCol::new(2, 1));
        // 'ø' is two bytes; 'x' is the second character of line 2.
        assert_eq!(index.line_col(text, 5), LineCol::new(2, 2));
        assert_eq!(index.line_col(text, 999), LineCol::new(3, 1));
        assert_eq!(index.line_count(), 3);
        assert_eq!(index.line_range(text, 2), Some(3..9));
        assert_eq!(index.line_range(text, 4), None);
    }

    #[test]
    fn columns_across_checkpoints_match_a_plain_count() {
        // Multi-byte characters straddling checkpoint boundaries, on long and short lines.
        let mut text = String::new();
        for i in 0..3000 {
            text.push(if i % 7 == 0 { 'é' } else { 'a' });
            if i % 997 == 0 {
                text.push('€');
            }
            if i % 1500 == 1499 {
                text.push('\n');
            }
        }
        let index = LineIndex::new(&text);
        for (offset, _) in text.char_indices() {
            let line_start = text[..offset].rfind('\n').map_or(0, |p| p + 1);
            let expected = LineCol::new(
                text[..offset].matches('\n').count() + 1,
                text[line_start..offset].chars().count() + 1,
            );
            assert_eq!(index.line_col(&text, offset), expected, "offset {offset}");
        }
    }

    /// The work of a column query is bounded by the stride, not by the line length: one
    /// 2.8 MB line of 200,000 elements, every element located, scans less than twice
    /// the stride per query (the old count from the line start scanned ~280 GB).
    #[test]
    fn locating_every_element_of_one_long_line_is_linear() {
        let element = "<a x=\"ø\"/>";
        let text = element.repeat(200_000);
        let index = LineIndex::new(&text);
        SCANNED.with(|s| s.set(0));
        let mut last = LineCol::new(0, 0);
        for k in 0..200_000 {
            last = index.line_col(&text, k * element.len());
        }
        let scanned = SCANNED.with(Cell::get);
        assert_eq!(last, LineCol::new(1, 199_999 * 10 + 1));
        assert!(
            scanned <= 200_000 * 2 * CHECKPOINT_STRIDE,
            "{scanned} bytes counted for 200,000 queries"
        );
    }
}
