//! Norwegian identifier rules the fixtures must follow, written from the published algorithms
//! (sources in fixtures/README.md):
//! - fødselsnummer / D-number: DDMMYY + three individual digits + two mod-11 check digits,
//!   weights 3 7 6 1 8 9 4 5 2 (K1) and 5 4 3 2 7 6 5 4 3 2 (K2); a remainder giving 10 means the
//!   number is never issued. D-number: day + 40. Synthetic (Skatteetaten's Test-Norge): month + 80.
//! - organisasjonsnummer: nine digits, the last a mod-11 check digit with weights 3 2 7 6 5 4 3 2.

const K1_WEIGHTS: [u32; 9] = [3, 7, 6, 1, 8, 9, 4, 5, 2];
const K2_WEIGHTS: [u32; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
const ORG_WEIGHTS: [u32; 8] = [3, 2, 7, 6, 5, 4, 3, 2];

/// The mod-11 check digit for `digits`, or `None` when the remainder makes it 10 (not issued).
pub fn mod11_check_digit(digits: &[u32], weights: &[u32]) -> Option<u32> {
    let sum: u32 = digits.iter().zip(weights).map(|(d, w)| d * w).sum();
    match sum % 11 {
        0 => Some(0),
        1 => None,
        r => Some(11 - r),
    }
}

fn digits(s: &str, len: usize) -> Result<Vec<u32>, String> {
    if s.len() != len || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{s:?} is not {len} digits"));
    }
    Ok(s.bytes().map(|b| u32::from(b - b'0')).collect())
}

/// What a synthetic person number says about its holder.
#[derive(Debug, PartialEq, Eq)]
pub struct PersonNumber {
    pub birth_date: String,
    pub female: bool,
    pub d_number: bool,
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 0,
    }
}

/// The century from the individual number and the two-digit year (Folkeregisteret's series).
fn birth_year(individual: u32, yy: u32) -> Result<u32, String> {
    match individual {
        0..=499 => Ok(1900 + yy),
        500..=749 if yy >= 54 => Ok(1800 + yy),
        500..=999 if yy <= 39 => Ok(2000 + yy),
        900..=999 if yy >= 40 => Ok(1900 + yy),
        _ => Err(format!(
            "individual number {individual:03} is not used with year {yy:02}"
        )),
    }
}

/// Checks a synthetic fødselsnummer (or D-number when `d_number`): both check digits, the
/// synthetic month (+80), the D-number day (+40), a real calendar date; returns what it encodes.
pub fn synthetic_person_number(number: &str, d_number: bool) -> Result<PersonNumber, String> {
    let d = digits(number, 11)?;
    let k1 = mod11_check_digit(&d[..9], &K1_WEIGHTS)
        .ok_or_else(|| format!("{number}: the first check digit computes to 10"))?;
    let k2 = mod11_check_digit(&d[..10], &K2_WEIGHTS)
        .ok_or_else(|| format!("{number}: the second check digit computes to 10"))?;
    if d[9] != k1 || d[10] != k2 {
        return Err(format!(
            "{number}: check digits are {}{}, the algorithm gives {k1}{k2}",
            d[9], d[10]
        ));
    }
    let mut day = d[0] * 10 + d[1];
    let month = d[2] * 10 + d[3];
    let yy = d[4] * 10 + d[5];
    let individual = d[6] * 100 + d[7] * 10 + d[8];
    if d_number {
        if !(41..=71).contains(&day) {
            return Err(format!("{number}: a D-number's day is 41-71, got {day}"));
        }
        day -= 40;
    }
    if !(81..=92).contains(&month) {
        return Err(format!(
            "{number}: not synthetic: a Test-Norge number's month is 81-92 (month + 80), got {month:02}"
        ));
    }
    let month = month - 80;
    let year = birth_year(individual, yy)?;
    if day == 0 || day > days_in_month(year, month) {
        return Err(format!(
            "{number}: {year}-{month:02}-{day:02} is not a date"
        ));
    }
    Ok(PersonNumber {
        birth_date: format!("{year}-{month:02}-{day:02}"),
        female: d[8] % 2 == 0,
        d_number,
    })
}

/// Checks an organisasjonsnummer's length and check digit.
pub fn organisation_number(number: &str) -> Result<(), String> {
    let d = digits(number, 9)?;
    match mod11_check_digit(&d[..8], &ORG_WEIGHTS) {
        Some(k) if k == d[8] => Ok(()),
        Some(k) => Err(format!(
            "{number}: check digit is {}, the algorithm gives {k}",
            d[8]
        )),
        None => Err(format!("{number}: the check digit computes to 10")),
    }
}
