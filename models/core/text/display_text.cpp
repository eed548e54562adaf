#include "text/display_text.h"

#include "store/run_types.h"

namespace reprise {

namespace {

    /// Whether code point `c` is shown as an escape.
    bool hidden(char32_t c, LineBreaks lineBreaks)
    {
        if (c < 0x20)
            return lineBreaks == LineBreaks::Escape || (c != u'\n' && c != u'\t');
        if (c < 0x7F)
            return false;
        if (c < 0xA0)
            return true; // DEL and the C1 controls (U+009B is CSI to some terminals)
        if (c == 0x2028 || c == 0x2029)
            return true; // line and paragraph separators: a line break inside a one-line field
        if (c >= 0xD800 && c <= 0xDFFF)
            return true; // an unpaired surrogate (pairs are combined before this is asked)
        // Format characters are invisible by definition: bidirectional embeddings, overrides and
        // isolates (U+202A-U+202E, U+2066-U+2069), LRM/RLM/ALM, zero-width space and joiners, the
        // BOM, soft hyphen, invisible operators, tag characters (U+E0000-U+E007F).
        return QChar::category(c) == QChar::Other_Format;
    }

    void appendEscape(QString& out, char32_t c)
    {
        switch (c) {
        case u'\n':
            out += QLatin1String("\\n");
            return;
        case u'\r':
            out += QLatin1String("\\r");
            return;
        case u'\t':
            out += QLatin1String("\\t");
            return;
        default:
            break;
        }
        if (c < 0xA0)
            out += QStringLiteral("\\x%1").arg(uint(c), 2, 16, QLatin1Char('0'));
        else if (c <= 0xFFFF)
            out += QStringLiteral("\\u%1").arg(uint(c), 4, 16, QLatin1Char('0'));
        else
            out += QStringLiteral("\\U%1").arg(uint(c), 8, 16, QLatin1Char('0'));
    }

    /// The code point at `i` (a surrogate pair combined) and its length in UTF-16 units.
    std::pair<char32_t, qsizetype> codePointAt(QStringView text, qsizetype i)
    {
        const QChar ch = text[i];
        if (ch.isHighSurrogate() && i + 1 < text.size() && text[i + 1].isLowSurrogate())
            return { QChar::surrogateToUcs4(ch, text[i + 1]), 2 };
        return { ch.unicode(), 1 };
    }

} // namespace

bool hasHiddenCharacters(QStringView text, LineBreaks lineBreaks)
{
    for (qsizetype i = 0; i < text.size();) {
        const QChar ch = text[i];
        // The common case first: printable ASCII.
        if (ch.unicode() >= 0x20 && ch.unicode() < 0x7F) {
            ++i;
            continue;
        }
        const auto [c, width] = codePointAt(text, i);
        if (hidden(c, lineBreaks))
            return true;
        i += width;
    }
    return false;
}

QString visibleText(QStringView text, LineBreaks lineBreaks)
{
    if (!hasHiddenCharacters(text, lineBreaks))
        return text.toString();
    QString out;
    out.reserve(text.size() + 16);
    for (qsizetype i = 0; i < text.size();) {
        const auto [c, width] = codePointAt(text, i);
        // A Windows line ending (kept line breaks): the \n that follows is the line break.
        const bool crlf = c == u'\r' && lineBreaks == LineBreaks::Keep && i + 1 < text.size() && text[i + 1] == u'\n';
        if (!hidden(c, lineBreaks))
            out += text.mid(i, width);
        else if (!crlf)
            appendEscape(out, c);
        i += width;
    }
    return out;
}

QString htmlSafeText(QStringView text, LineBreaks lineBreaks) { return visibleText(text, lineBreaks).toHtmlEscaped(); }

QString plainToolTip(QStringView text)
{
    if (text.isEmpty())
        return {};
    // <qt> forces rich-text rendering of the escaped text; white-space:pre-wrap keeps its line breaks and
    // spaces as they are, and long lines still wrap at the tooltip's width.
    return QStringLiteral("<qt><p style='white-space:pre-wrap'>") + htmlSafeText(text, LineBreaks::Keep)
        + QStringLiteral("</p></qt>");
}

namespace {

    QString line(const QString& text) { return visibleText(text); }

    QString lines(const QString& text) { return visibleText(text, LineBreaks::Keep); }

    QMap<QString, QString> lineMap(const QMap<QString, QString>& map)
    {
        QMap<QString, QString> out;
        for (auto it = map.begin(); it != map.end(); ++it)
            out.insert(line(it.key()), line(it.value()));
        return out;
    }

    ArtifactRecord visibleArtifact(ArtifactRecord a)
    {
        a.path = line(a.path);
        a.hash = line(a.hash);
        return a;
    }

    QList<ArtifactRecord> visibleArtifacts(const QList<ArtifactRecord>& list)
    {
        QList<ArtifactRecord> out;
        out.reserve(list.size());
        for (const ArtifactRecord& a : list)
            out << visibleArtifact(a);
        return out;
    }

} // namespace

RunRecord visibleRun(const RunRecord& run)
{
    RunRecord r = run;
    for (QString* field : { &r.uuid, &r.project, &r.name, &r.kind, &r.parentUuid, &r.user, &r.host,
             &r.launch.workingDir, &r.code.commit, &r.code.branch, &r.code.root })
        *field = line(*field);
    for (QString& arg : r.launch.argv)
        arg = line(arg);
    r.launch.environment = lineMap(run.launch.environment);
    r.runtime = lineMap(run.runtime);
    r.packages = lineMap(run.packages);
    r.tags = lineMap(run.tags);
    r.notes = lines(run.notes);
    // The patch and config files stay as recorded: they are counted or shown in their own views.
    r.params.clear();
    for (auto it = run.params.begin(); it != run.params.end(); ++it)
        r.params.insert(line(it.key()), ParamValue { line(it->value), it->type });
    for (MetricSummary& m : r.metrics)
        m.key = line(m.key);
    for (StepRecord& s : r.steps) {
        s.name = line(s.name);
        s.status = line(s.status);
        s.command = lines(s.command);
        s.paramsJson = lines(s.paramsJson);
        s.log = lines(s.log);
        s.inputs = visibleArtifacts(s.inputs);
        s.outputs = visibleArtifacts(s.outputs);
        for (QString& after : s.after)
            after = line(after);
    }
    r.artifacts = visibleArtifacts(run.artifacts);
    for (DatasetRecord& d : r.datasets) {
        for (QString* field : { &d.name, &d.uri, &d.hash, &d.role })
            *field = line(*field);
        for (FeatureProfile& p : d.profiles)
            p.feature = line(p.feature);
    }
    return r;
}

QList<OutputChunk> visibleOutput(const QList<OutputChunk>& output)
{
    QList<OutputChunk> out = output;
    for (OutputChunk& c : out)
        c.data = lines(c.data);
    return out;
}

} // namespace reprise
