#include "import/simple_yaml.h"

#include "import/checked_number.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <cmath>

namespace reprise {

namespace {

    struct Line {
        qsizetype number = 0; ///< 1-based, for messages
        qsizetype indent = 0;
        QString text; ///< without indentation and comment
    };

    /// Removes a comment: '#' at the start or after whitespace, outside quotes.
    QString stripComment(const QString& line)
    {
        QChar quote;
        for (qsizetype i = 0; i < line.size(); ++i) {
            const QChar c = line[i];
            if (!quote.isNull()) {
                if (c == quote)
                    quote = QChar();
                else if (c == u'\\' && quote == u'"')
                    ++i;
            } else if (c == u'"' || c == u'\'') {
                if (i == 0 || line[i - 1].isSpace() || line[i - 1] == u'[' || line[i - 1] == u'{' || line[i - 1] == u','
                    || line[i - 1] == u':')
                    quote = c;
            } else if (c == u'#' && (i == 0 || line[i - 1].isSpace())) {
                return line.left(i);
            }
        }
        return line;
    }

    QString unquote(const QString& text)
    {
        if (text.size() >= 2 && text.front() == u'\'' && text.back() == u'\'')
            return text.mid(1, text.size() - 2).replace(QStringLiteral("''"), QStringLiteral("'"));
        if (text.size() >= 2 && text.front() == u'"' && text.back() == u'"') {
            QString out;
            const QString inner = text.mid(1, text.size() - 2);
            for (qsizetype i = 0; i < inner.size(); ++i) {
                if (inner[i] != u'\\' || i + 1 >= inner.size()) {
                    out += inner[i];
                    continue;
                }
                const QChar e = inner[++i];
                out += e == u'n' ? QChar(u'\n') : e == u't' ? QChar(u'\t') : e == u'0' ? QChar(u'\0') : e;
            }
            return out;
        }
        return text;
    }

    class Parser {
    public:
        Parser(const QByteArray& bytes, YamlDocument& doc)
            : m_doc(doc)
        {
            const QStringList raw = QString::fromUtf8(bytes).split(u'\n');
            for (qsizetype i = 0; i < raw.size(); ++i) {
                QString line = raw[i];
                line.remove(u'\r');
                const QString stripped = stripComment(line);
                const QString content = stripped.trimmed();
                if (content.isEmpty() || content == QLatin1String("---") || content == QLatin1String("..."))
                    continue;
                qsizetype indent = 0;
                while (indent < stripped.size() && (stripped[indent] == u' ' || stripped[indent] == u'\t'))
                    ++indent;
                m_lines.push_back(Line { i + 1, indent, content });
                m_raw.push_back(line);
            }
        }

        QVariant parse()
        {
            if (m_lines.empty())
                return {};
            qsizetype i = 0;
            QVariant root = block(i, m_lines[0].indent);
            if (i < qsizetype(m_lines.size()) && m_doc.error.isEmpty())
                m_doc.error = QStringLiteral("line %1: unexpected indentation").arg(m_lines[size_t(i)].number);
            return root;
        }

    private:
        static bool isItem(const QString& text)
        {
            return text == QLatin1String("-") || text.startsWith(QLatin1String("- "));
        }

        QVariant block(qsizetype& i, qsizetype indent)
        {
            if (i >= qsizetype(m_lines.size()))
                return {};
            if (isItem(m_lines[size_t(i)].text))
                return sequence(i, indent);
            return mapping(i, indent);
        }

        /// Position of the ':' that ends a mapping key in `text`, or -1.
        static qsizetype keyEnd(const QString& text)
        {
            QChar quote;
            for (qsizetype i = 0; i < text.size(); ++i) {
                const QChar c = text[i];
                if (!quote.isNull()) {
                    if (c == quote)
                        quote = QChar();
                    continue;
                }
                if (i == 0 && (c == u'"' || c == u'\'')) {
                    quote = c;
                    continue;
                }
                if (c == u'[' || c == u'{')
                    return -1; // a flow collection, not a key
                if (c == u':' && (i + 1 == text.size() || text[i + 1] == u' '))
                    return i;
            }
            return -1;
        }

        QVariant mapping(qsizetype& i, qsizetype indent)
        {
            QVariantMap map;
            while (i < qsizetype(m_lines.size()) && m_lines[size_t(i)].indent == indent
                && !isItem(m_lines[size_t(i)].text)) {
                const Line line = m_lines[size_t(i)];
                const qsizetype colon = keyEnd(line.text);
                if (colon < 0) {
                    if (map.isEmpty()) // a plain scalar document
                        return scalar(line.text, i);
                    fail(line, QStringLiteral("expected 'key: value'"));
                    ++i;
                    continue;
                }
                const QString key = unquote(line.text.left(colon).trimmed());
                const QString rest = line.text.mid(colon + 1).trimmed();
                ++i;
                map.insert(key, value(rest, i, indent, true));
            }
            return map;
        }

        QVariant sequence(qsizetype& i, qsizetype indent)
        {
            QVariantList list;
            while (i < qsizetype(m_lines.size()) && m_lines[size_t(i)].indent == indent
                && isItem(m_lines[size_t(i)].text)) {
                Line& line = m_lines[size_t(i)];
                const QString rest = line.text.mid(1).trimmed();
                if (!rest.isEmpty() && keyEnd(rest) > 0 && !rest.startsWith(u'"') && !rest.startsWith(u'\'')) {
                    // "- key: value" starts a mapping indented at the key.
                    line.indent = indent + (line.text.size() - rest.size());
                    line.text = rest;
                    list << mapping(i, line.indent);
                    continue;
                }
                ++i;
                list << value(rest, i, indent, false);
            }
            return list;
        }

        /// The value after "key:" or "- ": inline, a block scalar, or a nested block.
        QVariant value(QString rest, qsizetype& i, qsizetype indent, bool inMapping)
        {
            while (rest.startsWith(u'!')) {
                const qsizetype space = rest.indexOf(u' ');
                const QString tag = space < 0 ? rest : rest.left(space);
                static const QStringList standard { QStringLiteral("!!str"), QStringLiteral("!!int"),
                    QStringLiteral("!!float"), QStringLiteral("!!bool"), QStringLiteral("!!map"),
                    QStringLiteral("!!seq"), QStringLiteral("!!null") };
                if (!standard.contains(tag) && !m_doc.unknownTags.contains(tag))
                    m_doc.unknownTags << tag;
                rest = space < 0 ? QString() : rest.mid(space + 1).trimmed();
            }
            if (rest.isEmpty()) {
                if (i < qsizetype(m_lines.size())) {
                    const Line& next = m_lines[size_t(i)];
                    if (next.indent > indent)
                        return block(i, next.indent);
                    // "key:" followed by "- item" at the key's own indentation.
                    if (inMapping && next.indent == indent && isItem(next.text))
                        return sequence(i, indent);
                }
                return {};
            }
            if (rest.startsWith(u'|') || rest.startsWith(u'>')) {
                const bool folded = rest.startsWith(u'>');
                QStringList parts;
                qsizetype childIndent = -1;
                while (i < qsizetype(m_lines.size()) && m_lines[size_t(i)].indent > indent) {
                    if (childIndent < 0)
                        childIndent = m_lines[size_t(i)].indent;
                    parts << m_raw[size_t(i)].mid(qMin(childIndent, m_raw[size_t(i)].size()));
                    ++i;
                }
                return parts.join(folded ? u' ' : u'\n');
            }
            if (rest.startsWith(u'[') || rest.startsWith(u'{')) {
                // A flow collection may continue on the following lines.
                while (!balanced(rest) && i < qsizetype(m_lines.size()) && m_lines[size_t(i)].indent > indent)
                    rest += u' ' + m_lines[size_t(i++)].text;
                qsizetype pos = 0;
                return flow(rest, pos);
            }
            return scalar(rest, i);
        }

        QVariant scalar(const QString& text, qsizetype&) const { return unquote(text); }

        static bool balanced(const QString& text)
        {
            qsizetype depth = 0;
            QChar quote;
            for (const QChar c : text) {
                if (!quote.isNull()) {
                    if (c == quote)
                        quote = QChar();
                } else if (c == u'"' || c == u'\'') {
                    quote = c;
                } else if (c == u'[' || c == u'{') {
                    ++depth;
                } else if (c == u']' || c == u'}') {
                    --depth;
                }
            }
            return depth <= 0;
        }

        /// A flow collection or scalar starting at `pos`; recursion bounded by the text's length.
        QVariant flow(const QString& text, qsizetype& pos, int depth = 0)
        {
            auto skipSpace = [&] {
                while (pos < text.size() && text[pos].isSpace())
                    ++pos;
            };
            skipSpace();
            if (pos >= text.size() || depth > 64)
                return {};
            const QChar open = text[pos];
            if (open == u'[' || open == u'{') {
                const QChar close = open == u'[' ? u']' : u'}';
                ++pos;
                QVariantList list;
                QVariantMap map;
                while (true) {
                    skipSpace();
                    if (pos >= text.size())
                        break;
                    if (text[pos] == close) {
                        ++pos;
                        break;
                    }
                    if (text[pos] == u',') {
                        ++pos;
                        continue;
                    }
                    const qsizetype before = pos;
                    if (open == u'{') {
                        QVariant key = flow(text, pos, depth + 1);
                        skipSpace();
                        QVariant item;
                        if (pos < text.size() && text[pos] == u':') {
                            ++pos;
                            item = flow(text, pos, depth + 1);
                        }
                        map.insert(key.toString(), item);
                    } else {
                        list << flow(text, pos, depth + 1);
                    }
                    if (pos == before)
                        ++pos; // a stray ':' or the like: skip it rather than loop on it
                }
                return open == u'[' ? QVariant(list) : QVariant(map);
            }
            if (open == u'"' || open == u'\'') {
                qsizetype end = pos + 1;
                while (end < text.size() && text[end] != open)
                    end += (text[end] == u'\\' && open == u'"') ? 2 : 1;
                const QString quoted = text.mid(pos, qMin(end, text.size() - 1) - pos + 1);
                pos = end + 1;
                return unquote(quoted);
            }
            qsizetype end = pos;
            while (end < text.size() && text[end] != u',' && text[end] != u']' && text[end] != u'}'
                && !(text[end] == u':' && (end + 1 >= text.size() || text[end + 1] == u' ')))
                ++end;
            const QString plain = text.mid(pos, end - pos).trimmed();
            pos = end;
            return plain;
        }

        void fail(const Line& line, const QString& why)
        {
            if (m_doc.error.isEmpty())
                m_doc.error = QStringLiteral("line %1: %2").arg(line.number).arg(why);
        }

        YamlDocument& m_doc;
        std::vector<Line> m_lines;
        std::vector<QString> m_raw;
    };

    QString jsonString(const QString& text)
    {
        const QByteArray array = QJsonDocument(QJsonArray { text }).toJson(QJsonDocument::Compact);
        return QString::fromUtf8(array.mid(1, array.size() - 2));
    }

    /// A number as Python's json.dumps writes a float: shortest round trip, ".0" on a whole one.
    QString floatJson(double v)
    {
        QString text = shortestText(v);
        if (!text.contains(u'.') && !text.contains(u'e'))
            text += QStringLiteral(".0");
        return text;
    }

    /// A plain YAML scalar in JSON by YAML 1.2's core schema: null, true/false, integers and floats
    /// as numbers, anything else (and .inf/.nan, which JSON lacks) as a string.
    QString scalarJson(const QString& text)
    {
        static const QStringList nulls { QStringLiteral("~"), QStringLiteral("null"), QStringLiteral("Null"),
            QStringLiteral("NULL") };
        static const QStringList trues { QStringLiteral("true"), QStringLiteral("True"), QStringLiteral("TRUE") };
        static const QStringList falses { QStringLiteral("false"), QStringLiteral("False"), QStringLiteral("FALSE") };
        static const QRegularExpression integer(QStringLiteral("^[-+]?[0-9]+$"));
        static const QRegularExpression real(QStringLiteral("^[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?$"));
        if (nulls.contains(text))
            return QStringLiteral("null");
        if (trues.contains(text))
            return QStringLiteral("true");
        if (falses.contains(text))
            return QStringLiteral("false");
        bool ok = false;
        if (integer.match(text).hasMatch()) {
            const qlonglong v = text.toLongLong(&ok);
            if (ok)
                return QString::number(v);
        }
        if (real.match(text).hasMatch()) {
            const double v = text.toDouble(&ok);
            if (ok && std::isfinite(v))
                return floatJson(v);
        }
        return jsonString(text);
    }

    /// A sequence (or mapping) as JSON text the way the Python client stores a list or dict param
    /// (json.dumps: ", " and ": " separators, keys sorted): numbers stay numbers ([24, 24], never
    /// ["24","24"]). YAML scalars are text here, so a quoted '24' in a sequence is read as a number too.
    QString jsonText(const QVariant& value)
    {
        switch (value.typeId()) {
        case QMetaType::QVariantList: {
            QStringList items;
            for (const QVariant& item : value.toList())
                items << jsonText(item);
            return u'[' + items.join(QStringLiteral(", ")) + u']';
        }
        case QMetaType::QVariantMap: {
            const QVariantMap map = value.toMap();
            QStringList items;
            for (auto it = map.begin(); it != map.end(); ++it)
                items << jsonString(it.key()) + QStringLiteral(": ") + jsonText(*it);
            return u'{' + items.join(QStringLiteral(", ")) + u'}';
        }
        case QMetaType::QString:
            return scalarJson(value.toString());
        case QMetaType::Bool:
            return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
        case QMetaType::Int:
        case QMetaType::LongLong:
        case QMetaType::UInt:
        case QMetaType::ULongLong:
            return value.toString();
        case QMetaType::Double:
            return std::isfinite(value.toDouble()) ? floatJson(value.toDouble()) : jsonString(value.toString());
        case QMetaType::UnknownType:
        case QMetaType::Nullptr:
            return QStringLiteral("null");
        default:
            return jsonString(value.toString());
        }
    }

    void flattenInto(const QVariant& value, const QString& prefix, QMap<QString, QString>& out)
    {
        if (value.typeId() == QMetaType::QVariantMap) {
            const QVariantMap map = value.toMap();
            for (auto it = map.begin(); it != map.end(); ++it)
                flattenInto(*it, prefix.isEmpty() ? it.key() : prefix + u'.' + it.key(), out);
        } else if (value.typeId() == QMetaType::QVariantList) {
            out.insert(prefix, jsonText(value));
        } else if (!prefix.isEmpty()) {
            out.insert(prefix, value.toString());
        }
    }

} // namespace

YamlDocument parseYaml(const QByteArray& text)
{
    YamlDocument doc;
    Parser parser(text, doc);
    doc.root = parser.parse();
    return doc;
}

QMap<QString, QString> flattenYaml(const QVariant& value)
{
    QMap<QString, QString> out;
    flattenInto(value, QString(), out);
    return out;
}

} // namespace reprise
