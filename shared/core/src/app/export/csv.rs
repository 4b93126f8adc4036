//! The export's CSV: RFC 4180 (comma, CRLF, double quotes doubled, a field quoted when it
//! holds a comma, quote or line break), UTF-8, a header row. A cell a spreadsheet would read as
//! a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is prefixed with
//! `'`, so opening the file runs nothing.

use jiff::Timestamp;

use super::row::{ConversationRow, SlaResult};

/// The columns, in order.
pub const CSV_COLUMNS: [&str; 24] = [
    "id",
    "customer",
    "customer_name",
    "team",
    "agent",
    "status",
    "outcome",
    "tags",
    "attributes",
    "language",
    "created_at",
    "queued_at",
    "first_response_at",
    "first_response_secs",
    "resolved_at",
    "resolution_secs",
    "resolution_business_secs",
    "sla_first_response",
    "sla_next_response",
    "sla_resolution",
    "reopened",
    "escalation_reasons",
    "csat_score",
    "csat_comment",
];

/// The header line, CRLF-terminated.
pub fn csv_header() -> String {
    let mut out = String::new();
    line(&mut out, CSV_COLUMNS.iter().map(|c| (*c).to_owned()));
    out
}

/// Appends one cell list as a CSV line.
fn line(out: &mut String, cells: impl Iterator<Item = String>) {
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_cell(out, &cell);
    }
    out.push_str("\r\n");
}

/// One cell, guarded against formulas and quoted when it must be.
pub fn push_cell(out: &mut String, cell: &str) {
    let guard = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quote =
        guard && cell.contains(['"', ',', '\n', '\r']) || cell.contains(['"', ',', '\n', '\r']);
    if quote {
        out.push('"');
    }
    if guard {
        out.push('\'');
    }
    if quote {
        out.push_str(&cell.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(cell);
    }
}

fn time(t: Option<Timestamp>) -> String {
    t.map(|t| t.to_string()).unwrap_or_default()
}

fn num<T: ToString>(n: Option<T>) -> String {
    n.map(|n| n.to_string()).unwrap_or_default()
}

fn sla(r: Option<SlaResult>) -> String {
    r.map(|r| r.as_str().to_owned()).unwrap_or_default()
}

/// Appends a row as a CSV line (the columns of [`CSV_COLUMNS`]).
pub fn push_row(out: &mut String, r: &ConversationRow) {
    let attributes = if r.attributes.is_empty() {
        String::new()
    } else {
        serde_json::to_string(&r.attributes).unwrap_or_default()
    };
    let language = serde_json::to_value(r.language)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    line(
        out,
        [
            r.id.to_string(),
            r.customer.to_string(),
            r.customer_name.clone().unwrap_or_default(),
            num(r.team.as_ref()),
            num(r.agent.as_ref()),
            r.status.as_str().to_owned(),
            r.outcome
                .and_then(|o| serde_json::to_value(o).ok())
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            r.tags.join(";"),
            attributes,
            language,
            r.created_at.to_string(),
            time(r.queued_at),
            time(r.first_response_at),
            num(r.first_response_secs),
            time(r.resolved_at),
            num(r.resolution_secs),
            num(r.resolution_business_secs),
            sla(r.sla_first_response),
            sla(r.sla_next_response),
            sla(r.sla_resolution),
            r.reopened.to_string(),
            r.escalation_reasons.join(";"),
            num(r.csat_score),
            r.csat_comment.clone().unwrap_or_default(),
        ]
        .into_iter(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(s: &str) -> String {
        let mut out = String::new();
        push_cell(&mut out, s);
        out
    }

    #[test]
    fn cells_are_quoted_only_when_needed_and_quotes_doubled() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(cell("ñandú ✓"), "ñandú ✓");
        assert_eq!(cell(""), "");
    }

    #[test]
    fn formulas_are_defused() {
        assert_eq!(cell("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(cell("+34"), "'+34");
        assert_eq!(cell("-1"), "'-1");
        assert_eq!(cell("@cmd"), "'@cmd");
        assert_eq!(cell("=HYPERLINK(\"x\",1)"), "\"'=HYPERLINK(\"\"x\"\",1)\"");
    }

    #[test]
    fn the_header_has_every_column_once() {
        let h = csv_header();
        assert!(h.ends_with("\r\n"));
        assert_eq!(h.trim_end().split(',').count(), CSV_COLUMNS.len());
    }
}
