#pragma once
// One rule for showing text that came from a database or a foreign file: it is data, never markup
// and never terminal control. Every widget, chart title, tooltip, message box and CLI line that
// shows such text goes through one of these.

#include <QList>
#include <QString>
#include <QStringView>

namespace reprise {

struct RunRecord;
struct OutputChunk;

/// How line breaks and tabs of the input are treated by visibleText().
enum class LineBreaks {
    Escape, ///< `\n`, `\r`, `\t` become visible escapes: one-line fields (names, params, table cells)
    Keep ///< `\n` and `\t` stay, and `\r\n` becomes `\n` (multi-line output logs, notes); a lone `\r`
         ///< (which would return to the start of the line and write over it) is still escaped
};

/// The text with every character that could hide or rearrange what is shown replaced by a visible
/// escape: C0 and C1 control characters and DEL as `\xNN` (so ESC is `\x1b`, BEL `\x07`, NUL
/// `\x00`), line breaks as `\n`, `\r`, `\t` (see LineBreaks), Unicode format characters (category Cf:
/// bidirectional embeddings, overrides and isolates such as U+202E, LRM/RLM, zero-width characters,
/// the BOM, invisible tag characters), the line and paragraph separators U+2028/U+2029 and unpaired
/// surrogates as `\uNNNN` (`\UNNNNNNNN` above U+FFFF). Everything else is returned unchanged, so
/// ordinary text (accents, CJK, right-to-left scripts, emoji) is shown as written. A backslash is
/// not escaped: paths stay readable, and a literal `\x1b` in the data looks like an escaped ESC
/// (which is harmless). Pure; any thread.
QString visibleText(QStringView text, LineBreaks lineBreaks = LineBreaks::Escape);
/// For strings being built (`a + u' ' + b`), which do not convert to QStringView.
inline QString visibleText(const QString& text, LineBreaks lineBreaks = LineBreaks::Escape)
{
    return visibleText(QStringView(text), lineBreaks);
}

/// visibleText() escaped for HTML (`<`, `>`, `&`, quotes), for places that always interpret markup:
/// QtCharts titles, axis titles, axis labels and legend labels, rich-text labels. Pure; any thread.
QString htmlSafeText(QStringView text, LineBreaks lineBreaks = LineBreaks::Escape);
inline QString htmlSafeText(const QString& text, LineBreaks lineBreaks = LineBreaks::Escape)
{
    return htmlSafeText(QStringView(text), lineBreaks);
}

/// A tooltip (or any auto-detecting text) that shows `text` literally: escaped and wrapped so that Qt
/// renders it as rich text, keeping line breaks and runs of spaces. Without the wrapping, Qt guesses
/// "rich" from a `<` in the data and renders it, or guesses "plain" and shows `&amp;`. Empty text
/// gives an empty string (no tooltip). Pure; any thread.
QString plainToolTip(QStringView text);
inline QString plainToolTip(const QString& text) { return plainToolTip(QStringView(text)); }

/// True when visibleText() would change `text` (it holds a control or invisible character).
bool hasHiddenCharacters(QStringView text, LineBreaks lineBreaks = LineBreaks::Escape);

/// A copy of `run` for showing to a person: every one-line field (uuid, project, name, user, host,
/// argv entries, working dir, git commit and branch, params, tags, environment, runtime, metric
/// keys, step names and statuses, artifact paths and hashes, dataset names, roles and feature
/// names) through visibleText(), the notes, step logs and commands with their line breaks kept.
/// Keys that become equal once escaped keep the last value. Pure; any thread.
RunRecord visibleRun(const RunRecord& run);
/// Captured output for showing to a person: each chunk's data through visibleText() with its line
/// breaks kept. Pure; any thread.
QList<OutputChunk> visibleOutput(const QList<OutputChunk>& output);

} // namespace reprise
