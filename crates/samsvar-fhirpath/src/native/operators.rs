//! Operators and item equality for the native evaluator.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::HashSet;

use rh_fhirpath::ast::{
    AdditiveOperator, EqualityOperator, InequalityOperator, MembershipOperator, PolarityOperator,
};

use super::item::{Item, Prim, temporal_comparable_as_text, temporal_like};
use super::{Collection, Eval, Unsupported};

/// FHIRPath `=` on two items; `Unsupported` where only typed comparison can tell.
pub(super) fn equal(a: &Item<'_>, b: &Item<'_>) -> Eval<bool> {
    match (a.prim(), b.prim()) {
        (Some(pa), Some(pb)) => prim_equal(pa, pb),
        (None, None) => match (a.object(), b.object()) {
            (Some(ma), Some(mb)) => Ok(ma == mb),
            _ => Err(Unsupported),
        },
        _ => Err(Unsupported),
    }
}

fn prim_equal(a: Prim<'_>, b: Prim<'_>) -> Eval<bool> {
    match (a, b) {
        (Prim::Bool(x), Prim::Bool(y)) => Ok(x == y),
        (Prim::Str(x), Prim::Str(y)) => {
            if x == y {
                Ok(true)
            } else if temporal_like(x) || temporal_like(y) {
                // Different precisions compare as empty, time zones may make them equal.
                Err(Unsupported)
            } else {
                Ok(false)
            }
        }
        _ => match (a.number(), b.number()) {
            (Some(x), Some(y)) => Ok(x == y),
            _ => Err(Unsupported),
        },
    }
}

fn compare(a: &Item<'_>, b: &Item<'_>) -> Eval<Ordering> {
    let (Some(pa), Some(pb)) = (a.prim(), b.prim()) else {
        return Err(Unsupported);
    };
    match (pa, pb) {
        (Prim::Str(x), Prim::Str(y)) => {
            let (tx, ty) = (temporal_like(x), temporal_like(y));
            if (!tx && !ty) || (tx && ty && temporal_comparable_as_text(x, y)) {
                Ok(x.cmp(y))
            } else {
                Err(Unsupported)
            }
        }
        _ => match (pa.number(), pb.number()) {
            (Some(x), Some(y)) => x.partial_cmp(&y).ok_or(Unsupported),
            _ => Err(Unsupported),
        },
    }
}

pub(super) fn equality<'a>(
    op: &EqualityOperator,
    l: &[Item<'a>],
    r: &[Item<'a>],
) -> Eval<Collection<'a>> {
    let negate = match op {
        EqualityOperator::Equal => false,
        EqualityOperator::NotEqual => true,
        EqualityOperator::Equivalent | EqualityOperator::NotEquivalent => {
            return Err(Unsupported);
        }
    };
    if l.is_empty() || r.is_empty() {
        return Ok(Vec::new());
    }
    let mut same = l.len() == r.len();
    if same {
        for (a, b) in l.iter().zip(r) {
            if !equal(a, b)? {
                same = false;
                break;
            }
        }
    }
    Ok(vec![Item::Bool(same != negate)])
}

pub(super) fn inequality<'a>(
    op: &InequalityOperator,
    l: &[Item<'a>],
    r: &[Item<'a>],
) -> Eval<Collection<'a>> {
    let (a, b) = match (l, r) {
        ([], _) | (_, []) => return Ok(Vec::new()),
        ([a], [b]) => (a, b),
        _ => return Err(Unsupported),
    };
    let ord = compare(a, b)?;
    let holds = match op {
        InequalityOperator::LessThan => ord == Ordering::Less,
        InequalityOperator::LessThanOrEqual => ord != Ordering::Greater,
        InequalityOperator::GreaterThan => ord == Ordering::Greater,
        InequalityOperator::GreaterThanOrEqual => ord != Ordering::Less,
    };
    Ok(vec![Item::Bool(holds)])
}

pub(super) fn membership<'a>(
    op: &MembershipOperator,
    l: &[Item<'a>],
    r: &[Item<'a>],
) -> Eval<Collection<'a>> {
    let (one, many) = match op {
        MembershipOperator::In => (l, r),
        MembershipOperator::Contains => (r, l),
    };
    let one = match one {
        [] => return Ok(Vec::new()),
        [one] => one,
        _ => return Err(Unsupported),
    };
    for item in many {
        if equal(one, item)? {
            return Ok(vec![Item::Bool(true)]);
        }
    }
    Ok(vec![Item::Bool(false)])
}

pub(super) fn additive<'a>(
    op: &AdditiveOperator,
    l: &[Item<'a>],
    r: &[Item<'a>],
) -> Eval<Collection<'a>> {
    if let AdditiveOperator::Concatenate = op {
        let text = |c: &[Item<'a>]| -> Eval<String> {
            match c {
                [] => Ok(String::new()),
                [one] => match one.prim() {
                    Some(Prim::Str(s)) => Ok(s.to_string()),
                    _ => Err(Unsupported),
                },
                _ => Err(Unsupported),
            }
        };
        return Ok(vec![Item::Str(Cow::Owned(text(l)? + &text(r)?))]);
    }
    let (a, b) = match (l, r) {
        ([], _) | (_, []) => return Ok(Vec::new()),
        ([a], [b]) => (a.prim().ok_or(Unsupported)?, b.prim().ok_or(Unsupported)?),
        _ => return Err(Unsupported),
    };
    let add = matches!(op, AdditiveOperator::Add);
    let result = match (a, b) {
        (Prim::Str(x), Prim::Str(y)) if add => Item::Str(Cow::Owned(format!("{x}{y}"))),
        (Prim::Int(x), Prim::Int(y)) => Item::Int(
            if add {
                x.checked_add(y)
            } else {
                x.checked_sub(y)
            }
            .ok_or(Unsupported)?,
        ),
        // Decimal arithmetic must be exact (1.8 - 1.2 = 0.6); f64 is not.
        _ => return Err(Unsupported),
    };
    Ok(vec![result])
}

pub(super) fn polarity<'a>(op: &PolarityOperator, value: &[Item<'a>]) -> Eval<Collection<'a>> {
    let negate = matches!(op, PolarityOperator::Minus);
    match value {
        [] => Ok(Vec::new()),
        [one] => match one.prim() {
            Some(Prim::Int(i)) => Ok(vec![Item::Int(if negate {
                i.checked_neg().ok_or(Unsupported)?
            } else {
                i
            })]),
            Some(Prim::Dec(d)) => Ok(vec![Item::Dec(if negate { -d } else { d })]),
            _ => Err(Unsupported),
        },
        _ => Err(Unsupported),
    }
}

/// The items with later duplicates removed (FHIRPath `distinct()`, `|`).
pub(super) fn distinct(items: Collection<'_>) -> Eval<Collection<'_>> {
    // Small collections compare pairwise; large ones (every reference in a Bundle) by key.
    if items.len() <= 64 {
        let mut kept: Vec<Item<'_>> = Vec::with_capacity(items.len());
        for item in items {
            let mut seen = false;
            for k in &kept {
                if equal(k, &item)? {
                    seen = true;
                    break;
                }
            }
            if !seen {
                kept.push(item);
            }
        }
        return Ok(kept);
    }
    let mut seen = HashSet::new();
    let mut kept = Vec::new();
    for item in items {
        if seen.insert(key(&item)?) {
            kept.push(item);
        }
    }
    Ok(kept)
}

/// A hashable stand-in for item equality, where equality is plain identity of the text.
fn key(item: &Item<'_>) -> Eval<String> {
    match item.prim() {
        Some(Prim::Bool(b)) => Ok(format!("b{b}")),
        Some(p @ (Prim::Int(_) | Prim::Dec(_))) => Ok(format!("n{}", p.number().unwrap_or(0.0))),
        Some(Prim::Str(s)) if !temporal_like(s) || !s.contains('T') => Ok(format!("s{s}")),
        Some(Prim::Str(_)) => Err(Unsupported),
        None => match item.object() {
            Some(obj) => serde_json::to_string(obj)
                .map(|j| format!("o{j}"))
                .map_err(|_| Unsupported),
            None => Err(Unsupported),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_compare_across_integer_and_decimal() {
        assert!(equal(&Item::Int(1), &Item::Dec(1.0)).unwrap());
        let one = json!(1.0);
        assert!(equal(&Item::node(&one), &Item::Int(1)).unwrap());
    }

    #[test]
    fn temporal_strings_of_different_shape_are_left_to_the_engine() {
        let a = Item::Str(Cow::Borrowed("2020-01"));
        let b = Item::Str(Cow::Borrowed("2020-01-01"));
        assert!(equal(&a, &b).is_err());
        assert!(compare(&a, &b).is_err());
        let c = Item::Str(Cow::Borrowed("2021-02"));
        assert_eq!(compare(&a, &c).unwrap(), Ordering::Less);
    }

    #[test]
    fn distinct_by_key_agrees_with_pairwise() {
        let many: Vec<Item<'_>> = (0..100).map(|i| Item::Int(i % 10)).collect();
        assert_eq!(distinct(many).unwrap().len(), 10);
        let few: Vec<Item<'_>> = (0..20).map(|i| Item::Int(i % 10)).collect();
        assert_eq!(distinct(few).unwrap().len(), 10);
    }
}
