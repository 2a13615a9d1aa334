//! Tables that fit the terminal: columns get their natural width when
//! there is room, and otherwise share what is left, with long cells wrapped
//! over several lines (nothing is cut off).

/// The narrowest a squeezed column gets, so that a very wide table is
/// still readable (it then overflows the terminal instead).
const MIN_WIDTH: usize = 4;

/// Column widths for `natural` widths in a terminal `width` wide.
pub fn fit_widths(natural: &[usize], width: usize) -> Vec<usize> {
    // Each column costs its content plus "| " before and " " after; one "|"
    // closes the line.
    let overhead = natural.len() * 3 + 1;
    let room = width.saturating_sub(overhead);
    if natural.iter().sum::<usize>() <= room {
        return natural.to_vec();
    }
    // Columns narrower than a fair share keep their width; the others split
    // the rest equally. Repeat until no more columns fit in their share.
    let mut fixed = vec![false; natural.len()];
    let mut left = room;
    loop {
        let open = fixed.iter().filter(|f| !**f).count();
        if open == 0 {
            break;
        }
        let share = left / open;
        let mut changed = false;
        for (i, &w) in natural.iter().enumerate() {
            if !fixed[i] && w <= share {
                fixed[i] = true;
                left -= w;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let open = fixed.iter().filter(|f| !**f).count().max(1);
    let share = (left / open).max(MIN_WIDTH);
    natural
        .iter()
        .zip(&fixed)
        .map(|(&w, &f)| if f { w } else { share.min(w).max(MIN_WIDTH.min(w)) })
        .collect()
}

/// A table being printed: its widths are fixed by the first call, so rows
/// can be printed one by one as they arrive.
pub struct Table {
    widths: Vec<usize>,
}

impl Table {
    pub fn new(widths: Vec<usize>) -> Table {
        Table { widths }
    }

    /// A table for these headers and rows, sized to fit `width`.
    pub fn fitted(headers: &[String], rows: &[Vec<String>], width: usize) -> Table {
        let mut natural: Vec<usize> = headers.iter().map(|h| text_width(h)).collect();
        for row in rows {
            for (i, cell) in row.iter().enumerate() {
                if let Some(w) = natural.get_mut(i) {
                    *w = (*w).max(cell.lines().map(text_width).max().unwrap_or(0));
                }
            }
        }
        Table::new(fit_widths(&natural, width))
    }

    pub fn rule(&self) -> String {
        let mut line = String::from("+");
        for w in &self.widths {
            line.push_str(&"-".repeat(w + 2));
            line.push('+');
        }
        line
    }

    /// One row, on as many lines as its longest wrapped cell needs.
    pub fn row(&self, cells: &[String]) -> String {
        let wrapped: Vec<Vec<String>> = self
            .widths
            .iter()
            .enumerate()
            .map(|(i, &w)| wrap(cells.get(i).map_or("", String::as_str), w))
            .collect();
        let height = wrapped.iter().map(Vec::len).max().unwrap_or(1);
        let mut out = Vec::with_capacity(height);
        for line in 0..height {
            let mut text = String::from("|");
            for (cell, &w) in wrapped.iter().zip(&self.widths) {
                let part = cell.get(line).map_or("", String::as_str);
                text.push(' ');
                text.push_str(part);
                text.push_str(&" ".repeat(w.saturating_sub(text_width(part)) + 1));
                text.push('|');
            }
            out.push(text);
        }
        out.join("\n")
    }

    /// Headers between rules, as a table starts.
    pub fn head(&self, headers: &[String]) -> String {
        format!("{}\n{}\n{}", self.rule(), self.row(headers), self.rule())
    }

    /// The whole table at once.
    pub fn render(&self, headers: &[String], rows: &[Vec<String>]) -> String {
        let mut out = self.head(headers);
        for row in rows {
            out.push('\n');
            out.push_str(&self.row(row));
        }
        out.push('\n');
        out.push_str(&self.rule());
        out
    }
}

fn text_width(text: &str) -> usize {
    text.chars().count()
}

/// `text` cut into pieces of at most `width` characters, at its own line
/// breaks and then by length.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    for line in text.split('\n') {
        let chars: Vec<char> = line.chars().collect();
        if chars.is_empty() {
            out.push(String::new());
        }
        for piece in chars.chunks(width) {
            out.push(piece.iter().collect());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn a_table_that_fits_keeps_natural_widths() {
        let table = Table::fitted(&s(&["ID", "NAME"]), &[s(&["1", "alice"])], 80);
        assert_eq!(
            table.render(&s(&["ID", "NAME"]), &[s(&["1", "alice"])]),
            "+----+-------+\n| ID | NAME  |\n+----+-------+\n| 1  | alice |\n+----+-------+"
        );
    }

    #[test]
    fn wide_columns_share_the_room_and_wrap() {
        let widths = fit_widths(&[2, 100, 100], 40);
        assert_eq!(widths[0], 2);
        assert!(widths.iter().sum::<usize>() + 3 * 3 < 40, "{widths:?}");
        let table = Table::new(vec![3]);
        assert_eq!(table.row(&s(&["abcdefg"])), "| abc |\n| def |\n| g   |");
    }
}
