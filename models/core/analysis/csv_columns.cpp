#include "analysis/csv_columns.h"

#include "analysis/feature_profile.h"

#include <QCryptographicHash>
#include <QFile>
#include <QStringDecoder>

namespace reprise {

namespace {

    /// RFC 4180 fields of one record starting at `pos`; advances `pos` past the record and `line` by
    /// the line breaks it consumed (those inside quotes too).
    QStringList csvRecord(const QString& text, qsizetype& pos, int& line)
    {
        QStringList fields;
        QString field;
        bool quoted = false;
        while (pos < text.size()) {
            const QChar c = text[pos++];
            if (quoted) {
                if (c == u'"') {
                    if (pos < text.size() && text[pos] == u'"') {
                        field += u'"';
                        ++pos;
                    } else {
                        quoted = false;
                    }
                } else {
                    if (c == u'\n' || (c == u'\r' && (pos >= text.size() || text[pos] != u'\n')))
                        ++line;
                    field += c;
                }
            } else if (c == u'"') {
                quoted = true;
            } else if (c == u',') {
                fields << field;
                field.clear();
            } else if (c == u'\n' || c == u'\r') {
                if (c == u'\r' && pos < text.size() && text[pos] == u'\n')
                    ++pos;
                ++line;
                break;
            } else {
                field += c;
            }
        }
        fields << field;
        return fields;
    }

} // namespace

Result<CsvColumns> parseCsvColumns(const QByteArray& bytes, const QString& path)
{
    CsvColumns csv;
    csv.hash = QStringLiteral("sha256:")
        + QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
    QStringDecoder decoder(QStringDecoder::Utf8);
    const QString text = decoder.decode(bytes);
    if (decoder.hasError())
        csv.warnings << path + QStringLiteral(": not valid UTF-8; undecodable bytes are replaced by U+FFFD");
    qsizetype pos = 0;
    int line = 1;
    csv.header = csvRecord(text, pos, line);
    if (csv.header.isEmpty() || (csv.header.size() == 1 && csv.header.first().trimmed().isEmpty())) {
        return Error { path + QStringLiteral(": empty file, no header row"),
            QStringLiteral("the first line must name the columns") };
    }
    csv.columns.resize(size_t(csv.header.size()));
    while (pos < text.size()) {
        const int start = line;
        const QStringList record = csvRecord(text, pos, line);
        if (record.size() == 1 && record.first().isEmpty())
            continue; // blank line
        if (record.size() != csv.header.size()) {
            return Error { QStringLiteral("%1:%2: %3 fields, but the header has %4")
                               .arg(path)
                               .arg(start)
                               .arg(record.size())
                               .arg(csv.header.size()),
                QStringLiteral("fix that row (quote fields that contain commas); nothing was recorded") };
        }
        for (qsizetype c = 0; c < record.size(); ++c)
            csv.columns[size_t(c)] << record[c];
        ++csv.rows;
    }
    return csv;
}

Result<CsvColumns> readCsvColumns(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error { path + QStringLiteral(": cannot read it: ") + file.errorString(),
            QStringLiteral("check the path") };
    const QByteArray bytes = file.readAll();
    if (file.error() != QFileDevice::NoError)
        return Error { path + QStringLiteral(": cannot read it: ") + file.errorString(),
            QStringLiteral("check the path") };
    return parseCsvColumns(bytes, path);
}

QList<FeatureProfile> profileCsvColumns(const CsvColumns& csv)
{
    static const QStringList missingMarks { QString(), QStringLiteral("NA"), QStringLiteral("N/A"),
        QStringLiteral("nan"), QStringLiteral("NaN"), QStringLiteral("null"), QStringLiteral("NULL"),
        QStringLiteral("None") };
    QList<FeatureProfile> profiles;
    for (qsizetype c = 0; c < csv.header.size(); ++c) {
        QStringList present;
        qint64 missing = 0;
        for (const QString& v : csv.columns[size_t(c)]) {
            if (missingMarks.contains(v.trimmed()))
                ++missing;
            else
                present << v.trimmed();
        }
        std::vector<double> numbers;
        bool numeric = !present.isEmpty();
        for (const QString& v : present) {
            bool ok = false;
            numbers.push_back(v.toDouble(&ok));
            if (!ok) {
                numeric = false;
                break;
            }
        }
        profiles << (numeric ? profileNumeric(csv.header[c], std::move(numbers), missing)
                             : profileCategorical(csv.header[c], present, missing));
    }
    return profiles;
}

} // namespace reprise
