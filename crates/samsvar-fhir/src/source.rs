//! Reading a JSON payload safely: size limit, depth limit, duplicate keys, and mapping
//! a location inside the parsed value back to a 1-based line and column in the text.

use samsvar_diagnostics::{LineCol, LineIndex};
use serde_json::Value;
use std::collections::HashSet;

/// Default upper bound on the size of one input (bytes).
pub const DEFAULT_MAX_BYTES: usize = 64 * 1024 * 1024;
/// Nesting deeper than this is refused (FHIR resources rarely exceed 30 levels).
pub const MAX_DEPTH: usize = 100;

/// Why a payload could not be read as FHIR JSON.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum SourceError {
    #[error("failed to read input: {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge { size: u64, limit: usize },
    #[error("failed to parse JSON at line {line}, column {col}: {message}")]
    Syntax {
        line: usize,
        col: usize,
        message: String,
    },
    #[error("failed to parse JSON: duplicate key \"{key}\" at line {line}, column {col}")]
    DuplicateKey {
        key: String,
        line: usize,
        col: usize,
    },
    #[error(
        "failed to parse JSON: nesting deeper than {limit} levels at line {line}, column {col}"
    )]
    TooDeep {
        limit: usize,
        line: usize,
        col: usize,
    },
}

impl SourceError {
    /// Line and column of the problem, when known.
    pub fn position(&self) -> Option<LineCol> {
        match self {
            SourceError::TooLarge { .. } => None,
            SourceError::Syntax { line, col, .. }
            | SourceError::DuplicateKey { line, col, .. }
            | SourceError::TooDeep { line, col, .. } => Some(LineCol::new(*line, *col)),
        }
    }
}

/// One step of a location inside a JSON document.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// Checks the text (size, depth, duplicate keys) and parses it.
pub fn parse(bytes: &[u8], max_bytes: usize) -> Result<Value, SourceError> {
    if bytes.len() > max_bytes {
        return Err(SourceError::TooLarge {
            size: bytes.len() as u64,
            limit: max_bytes,
        });
    }
    let mut scanner = Scanner {
        src: bytes,
        pos: 0,
        check: true,
    };
    scanner.skip_ws();
    scanner.value(0)?;
    scanner.skip_ws();
    if scanner.pos != bytes.len() {
        return Err(scanner.syntax("trailing characters after the JSON value"));
    }
    serde_json::from_slice(bytes).map_err(|e| SourceError::Syntax {
        line: e.line(),
        col: e.column(),
        message: e.to_string(),
    })
}

/// Finds the 1-based line and column of the value at `steps` (the key for object members).
pub fn locate(bytes: &[u8], steps: &[Step]) -> Option<LineCol> {
    let mut scanner = Scanner {
        src: bytes,
        pos: 0,
        check: false,
    };
    scanner.skip_ws();
    let mut at = scanner.pos;
    for step in steps {
        scanner.skip_ws();
        match (step, scanner.peek()?) {
            (Step::Key(key), b'{') => {
                scanner.pos += 1;
                loop {
                    scanner.skip_ws();
                    if scanner.peek()? == b'}' {
                        return None;
                    }
                    let key_at = scanner.pos;
                    let name = scanner.string().ok()?;
                    scanner.skip_ws();
                    scanner.consume(b':').ok()?;
                    scanner.skip_ws();
                    if &name == key {
                        at = key_at;
                        break;
                    }
                    scanner.value(0).ok()?;
                    scanner.skip_ws();
                    if scanner.peek()? == b',' {
                        scanner.pos += 1;
                    }
                }
            }
            (Step::Index(index), b'[') => {
                scanner.pos += 1;
                let mut i = 0;
                loop {
                    scanner.skip_ws();
                    if scanner.peek()? == b']' {
                        return None;
                    }
                    if i == *index {
                        at = scanner.pos;
                        break;
                    }
                    scanner.value(0).ok()?;
                    scanner.skip_ws();
                    if scanner.peek()? == b',' {
                        scanner.pos += 1;
                    }
                    i += 1;
                }
            }
            _ => return None,
        }
    }
    Some(line_col(bytes, at))
}

/// Finds the positions of many locations in one pass over the text.
pub fn locate_all(bytes: &[u8], wanted: &[Vec<Step>]) -> Vec<Option<LineCol>> {
    let targets: HashSet<&[Step]> = wanted.iter().map(Vec::as_slice).collect();
    let mut prefixes: HashSet<&[Step]> = HashSet::new();
    for w in wanted {
        for n in 0..=w.len() {
            prefixes.insert(&w[..n]);
        }
    }
    let mut found: std::collections::HashMap<Vec<Step>, usize> = std::collections::HashMap::new();
    let mut scanner = Scanner {
        src: bytes,
        pos: 0,
        check: false,
    };
    scanner.skip_ws();
    let mut path: Vec<Step> = Vec::new();
    let root_at = scanner.pos;
    if targets.contains(&path[..]) {
        found.insert(Vec::new(), root_at);
    }
    let _ = scanner.find(&mut path, &targets, &prefixes, &mut found, 0, root_at);
    let index = LineIndex::new(bytes);
    wanted
        .iter()
        .map(|w| found.get(w).map(|at| index.line_col(bytes, *at)))
        .collect()
}

/// Line and column of one offset (for the one error of a read: indexing is linear).
fn line_col(bytes: &[u8], offset: usize) -> LineCol {
    LineIndex::new(bytes).line_col(bytes, offset)
}

/// A location as a JSON pointer (RFC 6901): `/name/0/given`.
pub fn json_pointer(steps: &[Step]) -> String {
    let mut out = String::new();
    for step in steps {
        out.push('/');
        match step {
            Step::Key(key) => out.push_str(&key.replace('~', "~0").replace('/', "~1")),
            Step::Index(i) => out.push_str(&i.to_string()),
        }
    }
    out
}

/// A validating skip-scanner: it does not build values, it only walks the text.
struct Scanner<'a> {
    src: &'a [u8],
    pos: usize,
    check: bool,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn syntax(&self, message: &str) -> SourceError {
        let LineCol { line, col } = line_col(self.src, self.pos);
        SourceError::Syntax {
            line,
            col,
            message: message.to_string(),
        }
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.pos += 1;
        }
    }

    fn consume(&mut self, byte: u8) -> Result<(), SourceError> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.syntax(&format!("expected '{}'", byte as char)))
        }
    }

    fn value(&mut self, depth: usize) -> Result<(), SourceError> {
        if depth > MAX_DEPTH {
            let LineCol { line, col } = line_col(self.src, self.pos);
            return Err(SourceError::TooDeep {
                limit: MAX_DEPTH,
                line,
                col,
            });
        }
        match self.peek() {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string().map(|_| ()),
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'n') => self.literal(b"null"),
            Some(b'-' | b'0'..=b'9') => {
                while let Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') = self.peek() {
                    self.pos += 1;
                }
                Ok(())
            }
            Some(_) => Err(self.syntax("expected a JSON value")),
            None => Err(self.syntax("unexpected end of input")),
        }
    }

    /// Walks the value at `path`, recording the offsets of wanted locations (object
    /// members are located at their key) and skipping subtrees nobody asked for.
    #[allow(clippy::too_many_arguments)]
    fn find(
        &mut self,
        path: &mut Vec<Step>,
        targets: &HashSet<&[Step]>,
        prefixes: &HashSet<&[Step]>,
        found: &mut std::collections::HashMap<Vec<Step>, usize>,
        depth: usize,
        _at: usize,
    ) -> Result<(), SourceError> {
        if !prefixes.contains(&path[..]) || depth > MAX_DEPTH {
            return self.value(depth);
        }
        match self.peek() {
            Some(b'{') => {
                self.pos += 1;
                loop {
                    self.skip_ws();
                    if self.peek() == Some(b'}') {
                        self.pos += 1;
                        return Ok(());
                    }
                    let key_at = self.pos;
                    let key = self.string()?;
                    self.skip_ws();
                    self.consume(b':')?;
                    self.skip_ws();
                    path.push(Step::Key(key));
                    if targets.contains(&path[..]) {
                        found.insert(path.clone(), key_at);
                    }
                    self.find(path, targets, prefixes, found, depth + 1, key_at)?;
                    path.pop();
                    self.skip_ws();
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b'}') => {
                            self.pos += 1;
                            return Ok(());
                        }
                        _ => return Err(self.syntax("expected ',' or '}'")),
                    }
                }
            }
            Some(b'[') => {
                self.pos += 1;
                let mut i = 0;
                loop {
                    self.skip_ws();
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                        return Ok(());
                    }
                    let item_at = self.pos;
                    path.push(Step::Index(i));
                    if targets.contains(&path[..]) {
                        found.insert(path.clone(), item_at);
                    }
                    self.find(path, targets, prefixes, found, depth + 1, item_at)?;
                    path.pop();
                    i += 1;
                    self.skip_ws();
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(());
                        }
                        _ => return Err(self.syntax("expected ',' or ']'")),
                    }
                }
            }
            _ => self.value(depth),
        }
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), SourceError> {
        if self.src[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(self.syntax("expected a JSON value"))
        }
    }

    fn object(&mut self, depth: usize) -> Result<(), SourceError> {
        self.pos += 1;
        let mut keys: HashSet<String> = HashSet::new();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.skip_ws();
            let key_at = self.pos;
            if self.peek() != Some(b'"') {
                return Err(self.syntax("expected an object key"));
            }
            let key = self.string()?;
            if self.check && !keys.insert(key.clone()) {
                let LineCol { line, col } = line_col(self.src, key_at);
                return Err(SourceError::DuplicateKey { key, line, col });
            }
            self.skip_ws();
            self.consume(b':')?;
            self.skip_ws();
            self.value(depth + 1)?;
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.syntax("expected ',' or '}'")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<(), SourceError> {
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.skip_ws();
            self.value(depth + 1)?;
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.syntax("expected ',' or ']'")),
            }
        }
    }

    /// Reads a string; escapes are decoded only as far as key comparison needs.
    fn string(&mut self) -> Result<String, SourceError> {
        self.consume(b'"')?;
        let start = self.pos;
        let mut has_escape = false;
        loop {
            match self.peek() {
                Some(b'"') => break,
                Some(b'\\') => {
                    has_escape = true;
                    self.pos += 2;
                }
                Some(_) => self.pos += 1,
                None => return Err(self.syntax("unterminated string")),
            }
        }
        let raw = &self.src[start..self.pos.min(self.src.len())];
        self.pos += 1;
        if has_escape {
            let quoted = [b"\"", raw, b"\""].concat();
            serde_json::from_slice::<String>(&quoted).map_err(|e| self.syntax(&e.to_string()))
        } else {
            Ok(String::from_utf8_lossy(raw).into_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_positions_and_rejects_duplicates() {
        let text = b"{\n  \"a\": [1, {\"b\": 2}],\n  \"c\": 3\n}";
        assert!(parse(text, 1000).is_ok());
        assert_eq!(
            locate(
                text,
                &[Step::Key("a".into()), Step::Index(1), Step::Key("b".into())]
            ),
            Some(LineCol::new(2, 13))
        );
        assert_eq!(
            locate(text, &[Step::Key("c".into())]),
            Some(LineCol::new(3, 3))
        );
        let many = locate_all(
            text,
            &[
                vec![Step::Key("c".into())],
                vec![Step::Key("a".into()), Step::Index(1), Step::Key("b".into())],
                vec![Step::Key("zz".into())],
            ],
        );
        assert_eq!(
            many,
            vec![Some(LineCol::new(3, 3)), Some(LineCol::new(2, 13)), None]
        );
        assert_eq!(
            json_pointer(&[Step::Key("a/b~".into()), Step::Index(1)]),
            "/a~1b~0/1"
        );
        let dup = b"{\"a\": 1, \"a\": 2}";
        assert!(matches!(
            parse(dup, 1000),
            Err(SourceError::DuplicateKey { .. })
        ));
        let deep = "[".repeat(5000) + &"]".repeat(5000);
        assert!(matches!(
            parse(deep.as_bytes(), 100_000),
            Err(SourceError::TooDeep { .. })
        ));
        assert!(matches!(parse(b"{", 10), Err(SourceError::Syntax { .. })));
        assert!(matches!(parse(b"{}", 1), Err(SourceError::TooLarge { .. })));
    }
}
