//! The FHIRPath functions the native evaluator covers; any other is for the engine.

use std::borrow::Cow;

use rh_fhirpath::ast::{Expression as Ast, Invocation, Term, TypeOperator};

use super::item::{Item, Prim};
use super::operators::{distinct, equal};
use super::{Collection, Env, Eval, Scope, Unsupported, navigate, truth};

pub(super) fn call<'a>(
    env: &Env<'a>,
    name: &str,
    params: &[Ast],
    input: &[Item<'a>],
    outer: &[Item<'a>],
    scope: &Scope<'_, 'a>,
) -> Eval<Collection<'a>> {
    // An argument evaluated once, against the focus of the whole chain.
    let arg = |i: usize| -> Eval<Collection<'a>> {
        let ast = params.get(i).ok_or(Unsupported)?;
        env.eval(ast, outer, scope)
    };
    let bool = |b: bool| Ok(vec![Item::Bool(b)]);
    match (name, params.len()) {
        ("empty", 0) => bool(input.is_empty()),
        ("exists", 0) => bool(!input.is_empty()),
        ("exists", 1) => {
            for (i, item) in input.iter().enumerate() {
                if holds(env, &params[0], item, i)? {
                    return bool(true);
                }
            }
            bool(false)
        }
        ("all", 1) => {
            for (i, item) in input.iter().enumerate() {
                if !holds(env, &params[0], item, i)? {
                    return bool(false);
                }
            }
            bool(true)
        }
        ("where", 1) => {
            let mut out = Vec::new();
            for (i, item) in input.iter().enumerate() {
                if holds(env, &params[0], item, i)? {
                    out.push(item.clone());
                }
            }
            Ok(out)
        }
        ("select", 1) => {
            let mut out = Vec::new();
            for (i, item) in input.iter().enumerate() {
                out.extend(env.for_item(&params[0], item, i)?);
            }
            Ok(out)
        }
        ("not", 0) => Ok(truth(input)?.map(|b| Item::Bool(!b)).into_iter().collect()),
        ("count", 0) => Ok(vec![Item::Int(
            i64::try_from(input.len()).map_err(|_| Unsupported)?,
        )]),
        ("first", 0) => Ok(input.first().cloned().into_iter().collect()),
        ("last", 0) => Ok(input.last().cloned().into_iter().collect()),
        ("tail", 0) => Ok(input.iter().skip(1).cloned().collect()),
        ("single", 0) => match input {
            [] | [_] => Ok(input.to_vec()),
            _ => Err(Unsupported),
        },
        ("skip" | "take", 1) => {
            let n = match arg(0)?.as_slice() {
                [Item::Int(n)] => usize::try_from(*n).unwrap_or(0),
                _ => return Err(Unsupported),
            };
            Ok(if name == "skip" {
                input.iter().skip(n).cloned().collect()
            } else {
                input.iter().take(n).cloned().collect()
            })
        }
        ("distinct", 0) => distinct(input.to_vec()),
        ("isDistinct", 0) => bool(distinct(input.to_vec())?.len() == input.len()),
        ("hasValue", 0) => match input {
            [Item::Node { value, .. }] => bool(value.is_some_and(|v| !v.is_object())),
            [_] => Err(Unsupported),
            _ => bool(false),
        },
        ("children", 0) => {
            let mut out = Vec::new();
            for item in input {
                navigate::children(item, &mut out);
            }
            Ok(out)
        }
        ("descendants", 0) => {
            let mut out = Vec::new();
            navigate::descendants(input, &mut out);
            Ok(out)
        }
        ("trace", 1 | 2) => Ok(input.to_vec()),
        ("iif", 2 | 3) => {
            if input.len() > 1 {
                return Err(Unsupported);
            }
            let this = input.first().unwrap_or(scope.this);
            let inner = Scope {
                this,
                index: scope.index,
            };
            let cond = truth(&env.eval(&params[0], input, &inner)?)?;
            match (cond, params.get(2)) {
                (Some(true), _) => env.eval(&params[1], input, &inner),
                (_, Some(otherwise)) => env.eval(otherwise, input, &inner),
                (_, None) => Ok(Vec::new()),
            }
        }
        ("combine", 1) => {
            let mut out = input.to_vec();
            out.extend(arg(0)?);
            Ok(out)
        }
        ("union", 1) => {
            let mut out = input.to_vec();
            out.extend(arg(0)?);
            distinct(out)
        }
        ("intersect" | "exclude", 1) => {
            let other = arg(0)?;
            let keep_found = name == "intersect";
            let mut out = Vec::new();
            for item in input {
                let mut found = false;
                for o in &other {
                    if equal(item, o)? {
                        found = true;
                        break;
                    }
                }
                if found == keep_found {
                    out.push(item.clone());
                }
            }
            if keep_found { distinct(out) } else { Ok(out) }
        }
        ("extension", 1) => {
            let url = single_string(&arg(0)?)?;
            let mut all = Vec::new();
            for item in input {
                navigate::member(item, "extension", &mut all);
            }
            Ok(all
                .into_iter()
                .filter(|e| {
                    e.object()
                        .and_then(|o| o.get("url"))
                        .and_then(|u| u.as_str())
                        == url.as_deref()
                })
                .collect())
        }
        ("is" | "as" | "ofType", 1) => {
            let ty = type_name(&params[0]).ok_or(Unsupported)?;
            let op = match name {
                "is" => TypeOperator::Is,
                "as" => TypeOperator::As,
                _ => return of_type(input, &ty),
            };
            type_operator(&op, input, &ty)
        }
        ("toString", 0) => match input {
            [] => Ok(Vec::new()),
            [one] => Ok(vec![Item::Str(Cow::Owned(to_string(one)?))]),
            _ => Err(Unsupported),
        },
        ("toInteger", 0) => match input {
            [] => Ok(Vec::new()),
            [one] => Ok(to_integer(one)?.map(Item::Int).into_iter().collect()),
            _ => Err(Unsupported),
        },
        _ => string_function(env, name, params, input, outer, scope),
    }
}

/// Functions on a single string input.
fn string_function<'a>(
    env: &Env<'a>,
    name: &str,
    params: &[Ast],
    input: &[Item<'a>],
    outer: &[Item<'a>],
    scope: &Scope<'_, 'a>,
) -> Eval<Collection<'a>> {
    let s = match input {
        [] => {
            return match name {
                "length" | "startsWith" | "endsWith" | "contains" | "matches"
                | "replaceMatches" | "substring" | "upper" | "lower" => Ok(Vec::new()),
                _ => Err(Unsupported),
            };
        }
        [one] => match one.prim() {
            Some(Prim::Str(s)) => s.to_string(),
            _ => return Err(Unsupported),
        },
        _ => return Err(Unsupported),
    };
    let arg = |i: usize| -> Eval<Option<String>> {
        let ast = params.get(i).ok_or(Unsupported)?;
        single_string(&env.eval(ast, outer, scope)?)
    };
    let out = |item: Item<'a>| Ok(vec![item]);
    match (name, params.len()) {
        ("length", 0) => out(Item::Int(
            i64::try_from(s.chars().count()).map_err(|_| Unsupported)?,
        )),
        ("upper", 0) => out(Item::Str(Cow::Owned(s.to_uppercase()))),
        ("lower", 0) => out(Item::Str(Cow::Owned(s.to_lowercase()))),
        ("startsWith" | "endsWith" | "contains" | "matches", 1) => {
            let Some(a) = arg(0)? else {
                return Ok(Vec::new());
            };
            out(Item::Bool(match name {
                "startsWith" => s.starts_with(&a),
                "endsWith" => s.ends_with(&a),
                "contains" => s.contains(&a),
                _ => env.regexes.get(&a).ok_or(Unsupported)?.is_match(&s),
            }))
        }
        ("replaceMatches", 2) => {
            let (Some(pattern), Some(with)) = (arg(0)?, arg(1)?) else {
                return Ok(Vec::new());
            };
            if pattern.is_empty() {
                return out(Item::Str(Cow::Owned(s)));
            }
            let re = env.regexes.get(&pattern).ok_or(Unsupported)?;
            out(Item::Str(Cow::Owned(
                re.replace_all(&s, with.as_str()).into_owned(),
            )))
        }
        ("substring", 1 | 2) => {
            let start = match int_arg(env, params, 0, outer, scope)? {
                Some(n) => n,
                None => return Ok(Vec::new()),
            };
            let chars: Vec<char> = s.chars().collect();
            let Some(start) = usize::try_from(start).ok().filter(|&n| n < chars.len()) else {
                return Ok(Vec::new());
            };
            let len = match params.len() {
                2 => match int_arg(env, params, 1, outer, scope)? {
                    Some(n) => usize::try_from(n).unwrap_or(0),
                    None => chars.len(),
                },
                _ => chars.len(),
            };
            out(Item::Str(Cow::Owned(
                chars[start..].iter().take(len).collect(),
            )))
        }
        _ => Err(Unsupported),
    }
}

fn int_arg<'a>(
    env: &Env<'a>,
    params: &[Ast],
    i: usize,
    outer: &[Item<'a>],
    scope: &Scope<'_, 'a>,
) -> Eval<Option<i64>> {
    let ast = params.get(i).ok_or(Unsupported)?;
    match env.eval(ast, outer, scope)?.as_slice() {
        [] => Ok(None),
        [one] => match one.prim() {
            Some(Prim::Int(n)) => Ok(Some(n)),
            _ => Err(Unsupported),
        },
        _ => Err(Unsupported),
    }
}

/// Does the criterion hold for `item`? Empty counts as false.
fn holds<'a>(env: &Env<'a>, ast: &Ast, item: &Item<'a>, index: usize) -> Eval<bool> {
    Ok(truth(&env.for_item(ast, item, index)?)? == Some(true))
}

fn single_string(value: &[Item<'_>]) -> Eval<Option<String>> {
    match value {
        [] => Ok(None),
        [one] => match one.prim() {
            Some(Prim::Str(s)) => Ok(Some(s.to_string())),
            _ => Err(Unsupported),
        },
        _ => Err(Unsupported),
    }
}

fn to_string(item: &Item<'_>) -> Eval<String> {
    match item.prim().ok_or(Unsupported)? {
        Prim::Str(s) => Ok(s.to_string()),
        Prim::Bool(b) => Ok(b.to_string()),
        Prim::Int(i) => Ok(i.to_string()),
        // A decimal's text depends on the precision it was written with; 1.0 as f64
        // no longer knows it.
        Prim::Dec(d) if d.fract() != 0.0 && d.is_finite() => Ok(d.to_string()),
        Prim::Dec(_) => Err(Unsupported),
    }
}

fn to_integer(item: &Item<'_>) -> Eval<Option<i64>> {
    match item.prim().ok_or(Unsupported)? {
        Prim::Int(i) => Ok(Some(i)),
        Prim::Bool(b) => Ok(Some(i64::from(b))),
        Prim::Str(s) => {
            let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Ok(None);
            }
            s.parse().map(Some).map_err(|_| Unsupported)
        }
        Prim::Dec(_) => Err(Unsupported),
    }
}

/// The type named by a function argument such as `Quantity` or `FHIR.Quantity`.
fn type_name(param: &Ast) -> Option<Vec<String>> {
    match param {
        Ast::Term(Term::Invocation(Invocation::Member(n))) => Some(vec![n.clone()]),
        Ast::Invocation {
            left,
            invocation: Invocation::Member(n),
        } => {
            let mut names = type_name(left)?;
            names.push(n.clone());
            Some(names)
        }
        _ => None,
    }
}

/// Types a test can only answer with the model's type hierarchy.
const NEEDS_MODEL: &[&str] = &[
    "Resource",
    "DomainResource",
    "Element",
    "BackboneElement",
    "Quantity",
    "Age",
    "Count",
    "Distance",
    "Duration",
    "SimpleQuantity",
    "MoneyQuantity",
];

/// Is `item` of type `qualified` (`[name]` or `[namespace, name]`)?
fn is_type(item: &Item<'_>, qualified: &[String]) -> Eval<bool> {
    let (namespace, name) = match qualified {
        [name] => (None, name.as_str()),
        [ns, name] => (Some(ns.as_str()), name.as_str()),
        _ => return Err(Unsupported),
    };
    let Some(actual) = item.type_name() else {
        return Err(Unsupported);
    };
    if namespace.is_some_and(|ns| ns != "FHIR") {
        return Err(Unsupported);
    }
    // A choice key names primitives in upper camel case (`valueDateTime` → dateTime).
    let primitive = actual.starts_with(|c: char| c.is_ascii_uppercase())
        && name.starts_with(|c: char| c.is_ascii_lowercase());
    let actual: Cow<'_, str> = if primitive {
        let mut chars = actual.chars();
        let first = chars.next().map(|c| c.to_ascii_lowercase());
        Cow::Owned(first.into_iter().chain(chars).collect())
    } else {
        Cow::Borrowed(actual)
    };
    if actual == name {
        Ok(true)
    } else if primitive
        || NEEDS_MODEL.contains(&name)
        || NEEDS_MODEL.contains(&actual.as_ref())
        || name.starts_with(|c: char| c.is_ascii_lowercase())
    {
        // `code` is a `string`, `Age` is a `Quantity`: the hierarchy decides.
        Err(Unsupported)
    } else {
        Ok(false)
    }
}

pub(super) fn type_operator<'a>(
    op: &TypeOperator,
    input: &[Item<'a>],
    qualified: &[String],
) -> Eval<Collection<'a>> {
    let one = match input {
        [] => return Ok(Vec::new()),
        [one] => one,
        _ => return Err(Unsupported),
    };
    let is = is_type(one, qualified)?;
    Ok(match op {
        TypeOperator::Is => vec![Item::Bool(is)],
        TypeOperator::As if is => vec![one.clone()],
        TypeOperator::As => Vec::new(),
    })
}

fn of_type<'a>(input: &[Item<'a>], qualified: &[String]) -> Eval<Collection<'a>> {
    let mut out = Vec::new();
    for item in input {
        if is_type(item, qualified)? {
            out.push(item.clone());
        }
    }
    Ok(out)
}
