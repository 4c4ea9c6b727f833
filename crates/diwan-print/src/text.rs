//! Text on the page: the embedded fonts, shaping (rustybuzz: Arabic joining, lam-alef and the
//! font's other ligatures, mark positioning), bidirectional runs (unicode-bidi) and greedy
//! line breaking. krilla draws the shaped glyphs and writes the ToUnicode map, so the PDF's
//! text can be searched and copied.

use std::ops::Range;
use std::sync::LazyLock;

use krilla::geom::Point;
use krilla::surface::Surface;
use krilla::text::{Font as PdfFont, GlyphId, KrillaGlyph};
use rustybuzz::{Direction, Face, UnicodeBuffer};
use unicode_bidi::{Level, ParagraphBidiInfo};

use crate::PrintError;

static REGULAR_TTF: &[u8] = include_bytes!("../fonts/Amiri-Regular.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../fonts/Amiri-Bold.ttf");

/// One font, parsed once for shaping and once for the PDF writer.
pub(crate) struct Font {
    shaper: Face<'static>,
    pdf: PdfFont,
    units_per_em: f32,
}

impl Font {
    fn load(bytes: &'static [u8]) -> Option<Self> {
        let shaper = Face::from_slice(bytes, 0)?;
        let units_per_em = f32::from(u16::try_from(shaper.units_per_em()).ok()?);
        let pdf = PdfFont::new(bytes.into(), 0)?;
        Some(Self {
            shaper,
            pdf,
            units_per_em,
        })
    }
}

pub(crate) struct Fonts {
    pub(crate) regular: Font,
    pub(crate) bold: Font,
}

/// Parsed on first use and kept: parsing (and krilla's hashing of the font for its cache) is
/// a fixed cost that should not be paid per certificate.
static FONTS: LazyLock<Option<Fonts>> = LazyLock::new(|| {
    Some(Fonts {
        regular: Font::load(REGULAR_TTF)?,
        bold: Font::load(BOLD_TTF)?,
    })
});

pub(crate) fn fonts() -> Result<&'static Fonts, PrintError> {
    FONTS.as_ref().ok_or(PrintError::Font)
}

/// The paragraph direction to assume: the labels' language is known, a value's is not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dir {
    Ltr,
    Rtl,
    /// From the first strong character (Unicode rule P2); left to right when there is none,
    /// so a value of only digits and separators reads left to right.
    Auto,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Center,
    Right,
}

/// Where line breaks may go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Breaks {
    /// After a space: prose, names, labels.
    Words,
    /// Between any two characters that are not spaces: a web address has no spaces to break
    /// at, and a break next to a space would hide that space.
    Anywhere,
}

/// A style: font, size and the distance between baselines.
#[derive(Clone, Copy)]
pub(crate) struct Style {
    pub(crate) font: &'static Font,
    pub(crate) size: f32,
    pub(crate) leading: f32,
}

/// A run of one direction, shaped, with glyph clusters relative to `text`.
struct Run {
    text: String,
    #[cfg_attr(
        not(test),
        expect(dead_code, reason = "the tests check the bidi order with it")
    )]
    rtl: bool,
    glyphs: Vec<KrillaGlyph>,
    width: f32,
}

/// One line: its runs in visual order, left to right.
pub(crate) struct Line {
    runs: Vec<Run>,
    pub(crate) width: f32,
}

/// A laid-out paragraph (or several, for text with line feeds).
pub(crate) struct Block {
    pub(crate) lines: Vec<Line>,
    pub(crate) style: Style,
}

impl Block {
    pub(crate) fn height(&self) -> f32 {
        self.lines.len() as f32 * self.style.leading
    }

    /// Draws the block with its first baseline `ascent` below `top`, aligned in `[left,
    /// left + width]`.
    pub(crate) fn draw(
        &self,
        surface: &mut Surface<'_>,
        left: f32,
        top: f32,
        width: f32,
        align: Align,
    ) {
        let size = self.style.size;
        let mut baseline = top + ascent(self.style);
        for line in &self.lines {
            let free = width - line.width;
            let x0 = match align {
                Align::Left => left,
                Align::Right => left + free,
                Align::Center => left + free / 2.0,
            };
            let mut x = x0;
            for run in &line.runs {
                surface.draw_glyphs(
                    Point::from_xy(x, baseline),
                    &run.glyphs,
                    self.style.font.pdf.clone(),
                    &run.text,
                    size,
                    false,
                );
                x += run.width;
            }
            baseline += self.style.leading;
        }
    }
}

/// The first baseline's distance below the top of a line box: the line box is `leading` high
/// and the glyphs sit in it as in a word processor, Arabic marks included.
fn ascent(style: Style) -> f32 {
    (style.leading - style.size) / 2.0 + style.size * 0.85
}

/// Lays `text` out in lines at most `max_width` wide (a single word wider than that gets a
/// line of its own, overflowing, rather than being cut in two).
pub(crate) fn layout(
    text: &str,
    style: Style,
    max_width: f32,
    dir: Dir,
    breaks: Breaks,
) -> Result<Block, PrintError> {
    let level = match dir {
        Dir::Ltr => Some(Level::ltr()),
        Dir::Rtl => Some(Level::rtl()),
        Dir::Auto => None,
    };
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let bidi = ParagraphBidiInfo::new(paragraph, level);
        for range in break_lines(paragraph, style, max_width, breaks)? {
            lines.push(shape_line(&bidi, paragraph, range, style)?);
        }
    }
    Ok(Block { lines, style })
}

/// Greedy line breaking on measured pieces. Each piece (a word with its trailing spaces, or
/// a single character for [`Breaks::Anywhere`]) is shaped alone; joining never crosses a
/// space, so the sum is the line's width up to kerning across breaks.
fn break_lines(
    text: &str,
    style: Style,
    max_width: f32,
    breaks: Breaks,
) -> Result<Vec<Range<usize>>, PrintError> {
    let mut pieces: Vec<Range<usize>> = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        let next = chars.peek().map(|&(j, n)| (j, n));
        let end = next.map_or(text.len(), |(j, _)| j);
        let cut = match (breaks, next) {
            (_, None) => true,
            (Breaks::Words, Some((_, n))) => c == ' ' && n != ' ',
            (Breaks::Anywhere, Some((_, n))) => c != ' ' && n != ' ',
        };
        if cut {
            pieces.push(start..end);
            start = end;
        }
    }

    let mut lines = Vec::new();
    let mut line: Option<Range<usize>> = None;
    let mut width = 0.0;
    for piece in pieces {
        let slice = text.get(piece.clone()).unwrap_or_default();
        let piece_width = measure(slice.trim_end_matches(' '), style)?;
        let full_width = measure(slice, style)?;
        match &mut line {
            Some(current) if width + piece_width <= max_width => {
                current.end = piece.end;
                width += full_width;
            }
            _ => {
                if let Some(done) = line.take() {
                    lines.push(trim_end(text, done));
                }
                line = Some(piece);
                width = full_width;
            }
        }
    }
    if let Some(done) = line {
        lines.push(trim_end(text, done));
    }
    if lines.is_empty() {
        lines.push(0..0);
    }
    Ok(lines)
}

/// A line's trailing spaces are not drawn (they would push right-aligned text off its edge).
fn trim_end(text: &str, range: Range<usize>) -> Range<usize> {
    let slice = text.get(range.clone()).unwrap_or_default();
    range.start..range.start + slice.trim_end_matches(' ').len()
}

fn measure(text: &str, style: Style) -> Result<f32, PrintError> {
    Ok(shape(text, style.font, None)?.1 * style.size)
}

fn shape_line(
    bidi: &ParagraphBidiInfo<'_>,
    text: &str,
    range: Range<usize>,
    style: Style,
) -> Result<Line, PrintError> {
    let mut runs = Vec::new();
    let mut width = 0.0;
    if !range.is_empty() {
        let (levels, visual) = bidi.visual_runs(range);
        for run in visual {
            let rtl = levels.get(run.start).is_some_and(|l| l.is_rtl());
            let slice = text.get(run).unwrap_or_default();
            let (glyphs, em) = shape(slice, style.font, Some(rtl))?;
            let run_width = em * style.size;
            width += run_width;
            runs.push(Run {
                text: slice.to_owned(),
                rtl,
                glyphs,
                width: run_width,
            });
        }
    }
    Ok(Line { runs, width })
}

/// Shapes one run; `rtl: None` lets the shaper guess (only used to measure). Returns the
/// glyphs in visual order with advances in ems, and the run's width in ems.
fn shape(
    text: &str,
    font: &Font,
    rtl: Option<bool>,
) -> Result<(Vec<KrillaGlyph>, f32), PrintError> {
    let mut buffer = UnicodeBuffer::new();
    buffer.push_str(text);
    buffer.guess_segment_properties();
    match rtl {
        Some(true) => buffer.set_direction(Direction::RightToLeft),
        Some(false) => buffer.set_direction(Direction::LeftToRight),
        None => {}
    }
    let output = rustybuzz::shape(&font.shaper, &[], buffer);
    let infos = output.glyph_infos();
    let positions = output.glyph_positions();

    // A glyph's text is its cluster up to the next cluster in logical order; clusters are
    // byte offsets, so sorting them gives the boundaries whatever the visual order.
    let mut starts: Vec<usize> = infos.iter().map(|i| i.cluster as usize).collect();
    starts.sort_unstable();
    starts.dedup();
    let cluster_end = |start: usize| {
        starts
            .iter()
            .find(|&&s| s > start)
            .copied()
            .unwrap_or(text.len())
    };

    let em = font.units_per_em;
    let mut glyphs = Vec::with_capacity(infos.len());
    let mut width = 0;
    for (info, pos) in infos.iter().zip(positions) {
        let start = info.cluster as usize;
        if info.glyph_id == 0 {
            let character = text
                .get(start..)
                .and_then(|s| s.chars().next())
                .unwrap_or('\u{FFFD}');
            return Err(PrintError::MissingGlyph { character });
        }
        width += pos.x_advance;
        glyphs.push(KrillaGlyph::new(
            GlyphId::new(info.glyph_id),
            pos.x_advance as f32 / em,
            pos.x_offset as f32 / em,
            pos.y_offset as f32 / em,
            pos.y_advance as f32 / em,
            start..cluster_end(start),
            None,
        ));
    }
    Ok((glyphs, width as f32 / em))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn style() -> Style {
        let fonts = fonts().unwrap();
        Style {
            font: &fonts.regular,
            size: 12.0,
            leading: 18.0,
        }
    }

    /// Each line as its runs in visual order (left to right), `>` marking a left-to-right run
    /// and `<` a right-to-left one.
    fn runs(text: &str, dir: Dir, width: f32) -> Vec<Vec<String>> {
        let block = layout(text, style(), width, dir, Breaks::Words).unwrap();
        block
            .lines
            .iter()
            .map(|line| {
                line.runs
                    .iter()
                    .map(|run| format!("{}{}", if run.rtl { '<' } else { '>' }, run.text))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn a_reference_inside_arabic_stays_left_to_right() {
        assert_eq!(
            runs("قيد رقم 2026/00417 مكتب صحة", Dir::Auto, 1000.0),
            [["< مكتب صحة", ">2026/00417", "<قيد رقم "]]
        );
    }

    #[test]
    fn the_first_strong_character_sets_a_values_direction() {
        // Digits first, then Arabic: an Arabic paragraph, the number at its right end.
        assert_eq!(
            runs("12 شارع التحرير", Dir::Auto, 1000.0),
            [["< شارع التحرير", ">12"]]
        );
        // Latin first: left to right, the Arabic word a run of its own.
        assert_eq!(
            runs("Ain Shams عين شمس", Dir::Auto, 1000.0),
            [[">Ain Shams ", "<عين شمس"]]
        );
        // Only digits and separators: left to right.
        assert_eq!(runs("2026-11-28", Dir::Auto, 1000.0), [[">2026-11-28"]]);
    }

    #[test]
    fn a_number_forced_left_to_right_keeps_its_order() {
        // In a right-to-left paragraph, groups of digits separated by spaces are laid out
        // right to left: the phone number would read backwards.
        assert_eq!(runs("+20 100 123", Dir::Ltr, 1000.0), [[">+20 100 123"]]);
        assert_eq!(
            runs("+20 100 123", Dir::Rtl, 1000.0),
            [[">123", "< ", ">100", "< ", ">20", "<+"]]
        );
    }

    #[test]
    fn arabic_is_shaped_with_joining_forms_and_lam_alef() {
        let font = &fonts().unwrap().regular;
        let glyph = |text: &str| shape(text, font, Some(true)).unwrap().0[0].glyph_id;
        let (lam_alef, _) = shape("لا", font, Some(true)).unwrap();
        // Amiri forms lam-alef from two contextual glyphs, neither the isolated letter; each
        // copies back as its own letter.
        assert_eq!(lam_alef.len(), 2);
        assert!(
            lam_alef
                .iter()
                .all(|g| g.glyph_id != glyph("ل") && g.glyph_id != glyph("ا"))
        );
        let ranges: Vec<_> = lam_alef.iter().map(|g| g.text_range.clone()).collect();
        assert_eq!(ranges, [2..4, 0..2], "visual order: alef on the left");
        // The same letter takes different glyphs in initial, medial and isolated positions.
        let (isolated, _) = shape("ب", font, Some(true)).unwrap();
        let (joined, _) = shape("ببب", font, Some(true)).unwrap();
        let ids: Vec<_> = joined.iter().map(|g| g.glyph_id).collect();
        assert_eq!(ids.len(), 3);
        assert!(ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2]);
        assert!(!ids.contains(&isolated[0].glyph_id));
    }

    #[test]
    fn lines_break_between_words_within_the_width() {
        let text = "To verify this certificate, open the address below and scan the code";
        let block = layout(text, style(), 150.0, Dir::Ltr, Breaks::Words).unwrap();
        assert!(block.lines.len() >= 3);
        let mut words = Vec::new();
        for line in &block.lines {
            assert!(line.width <= 150.0, "{} wide", line.width);
            let text: String = line.runs.iter().map(|r| r.text.as_str()).collect();
            assert_eq!(text.trim(), text, "no spaces at line ends");
            words.extend(text.split(' ').map(str::to_owned));
        }
        assert_eq!(words.join(" "), text);
    }

    #[test]
    fn an_address_breaks_anywhere_but_next_to_a_space() {
        let url = "https://diwan.example.gov.eg/verify";
        let block = layout(url, style(), 60.0, Dir::Ltr, Breaks::Anywhere).unwrap();
        assert!(block.lines.len() > 1);
        let joined: String = block
            .lines
            .iter()
            .flat_map(|l| &l.runs)
            .map(|r| r.text.as_str())
            .collect();
        assert_eq!(joined, url);
    }
}
