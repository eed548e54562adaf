#include "analysis/feature_profile.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtEndian>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

namespace reprise {

namespace {

    /// Every k-th value of a sorted list: deterministic, and it keeps the shape of the distribution.
    template <typename T> std::vector<T> thinned(const std::vector<T>& sorted)
    {
        if (sorted.size() <= size_t(kProfileSampleLimit))
            return sorted;
        std::vector<T> out;
        out.reserve(kProfileSampleLimit);
        const double step = double(sorted.size()) / kProfileSampleLimit;
        for (int k = 0; k < kProfileSampleLimit; ++k)
            out.push_back(sorted[size_t(double(k) * step + step / 2)]);
        return out;
    }

    QString compactJson(const QJsonObject& o)
    {
        return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
    }

    /// Reads a JSON array of numbers straight from UTF-16 text, without building a QJsonDocument
    /// or converting the whole text (samples are long, and there are many).
    bool parseNumberArray(QStringView text, std::vector<double>& out)
    {
        const QChar* p = text.data();
        const QChar* end = p + text.size();
        auto skip = [&] {
            while (p < end && (*p == u' ' || *p == u'\n' || *p == u'\t' || *p == u'\r' || *p == u','))
                ++p;
        };
        skip();
        if (p >= end || *p != u'[')
            return false;
        ++p;
        char token[64];
        while (true) {
            skip();
            if (p >= end)
                return false;
            if (*p == u']')
                return true;
            size_t n = 0;
            while (p < end && n < sizeof token && *p != u',' && *p != u']' && *p != u' ') {
                const char16_t c = p->unicode();
                if (c > 127)
                    return false;
                token[n++] = char(c);
                ++p;
            }
            double v = 0;
            auto [next, ec] = std::from_chars(token, token + n, v);
            if (ec != std::errc() || next != token + n)
                return false;
            out.push_back(v);
        }
    }

} // namespace

FeatureProfile profileNumeric(const QString& name, std::vector<double> values, qint64 missing)
{
    std::erase_if(values, [&](double v) {
        if (std::isnan(v)) {
            ++missing;
            return true;
        }
        return false;
    });
    std::sort(values.begin(), values.end());
    FeatureProfile p;
    p.feature = name;
    p.type = QStringLiteral("numeric");
    p.count = qint64(values.size()) + missing;
    p.missing = missing;
    double sum = 0;
    for (double v : values)
        sum += v;
    const double mean = values.empty() ? 0 : sum / double(values.size());
    double squares = 0;
    for (double v : values)
        squares += (v - mean) * (v - mean);
    auto quantile = [&](double q) { return values.empty() ? 0.0 : values[size_t(q * double(values.size() - 1))]; };
    p.statsJson = compactJson({ { QStringLiteral("mean"), mean },
        { QStringLiteral("std"), values.size() > 1 ? std::sqrt(squares / double(values.size() - 1)) : 0.0 },
        { QStringLiteral("min"), values.empty() ? 0.0 : values.front() }, { QStringLiteral("p25"), quantile(0.25) },
        { QStringLiteral("p50"), quantile(0.5) }, { QStringLiteral("p75"), quantile(0.75) },
        { QStringLiteral("max"), values.empty() ? 0.0 : values.back() } });
    p.sampleJson = QStringLiteral("[]");
    p.sampleValues = encodeSampleValues(thinned(values));
    return p;
}

QByteArray encodeSampleValues(const std::vector<double>& sortedValues)
{
    QByteArray out(qsizetype(sortedValues.size() * sizeof(double)), Qt::Uninitialized);
    char* p = out.data();
    for (double v : sortedValues) {
        quint64 bits;
        std::memcpy(&bits, &v, sizeof bits);
        qToLittleEndian(bits, p);
        p += sizeof bits;
    }
    return out;
}

FeatureProfile profileCategorical(const QString& name, const QStringList& values, qint64 missing)
{
    FeatureProfile p;
    p.feature = name;
    p.type = QStringLiteral("categorical");
    p.count = values.size() + missing;
    p.missing = missing;
    QMap<QString, int> counts;
    for (const QString& v : values)
        counts[v]++;
    QJsonObject countObject;
    for (auto it = counts.begin(); it != counts.end(); ++it)
        countObject.insert(it.key(), it.value());
    p.statsJson = compactJson(
        { { QStringLiteral("counts"), countObject }, { QStringLiteral("distinct"), int(counts.size()) } });
    std::vector<QString> sorted(values.begin(), values.end());
    std::sort(sorted.begin(), sorted.end());
    QJsonArray sample;
    for (const QString& v : thinned(sorted))
        sample.append(v);
    p.sampleJson = QString::fromUtf8(QJsonDocument(sample).toJson(QJsonDocument::Compact));
    return p;
}

std::optional<FeatureSample> decodeProfile(const FeatureProfile& profile, QString* why)
{
    FeatureSample s;
    s.feature = profile.feature;
    s.numeric = profile.type == QLatin1String("numeric");
    s.count = profile.count;
    s.missing = profile.missing;
    if (s.numeric && !profile.sampleValues.isEmpty()) {
        if (profile.sampleValues.size() % qsizetype(sizeof(double)) != 0) {
            if (why)
                *why = QStringLiteral("its stored sample is %1 bytes, not a whole number of values")
                           .arg(profile.sampleValues.size());
            return std::nullopt;
        }
        s.numbers.resize(size_t(profile.sampleValues.size()) / sizeof(double));
        const char* p = profile.sampleValues.constData();
        for (double& v : s.numbers) {
            const quint64 bits = qFromLittleEndian<quint64>(p);
            std::memcpy(&v, &bits, sizeof v);
            p += sizeof bits;
        }
        std::erase_if(s.numbers, [](double v) { return std::isnan(v); });
        if (!std::is_sorted(s.numbers.begin(), s.numbers.end()))
            std::sort(s.numbers.begin(), s.numbers.end());
        return s;
    }
    if (s.numeric) {
        s.numbers.reserve(size_t(std::min<qint64>(profile.count, kProfileSampleLimit)));
        if (!parseNumberArray(profile.sampleJson, s.numbers)) {
            // Samples written by other tools may hold "inf"/"nan" strings: the slow, tolerant way.
            s.numbers.clear();
            const QJsonDocument doc = QJsonDocument::fromJson(profile.sampleJson.toUtf8());
            if (!doc.isArray()) {
                if (why)
                    *why = QStringLiteral("its stored sample is not a JSON array");
                return std::nullopt;
            }
            for (const auto& v : doc.array()) {
                const double x = v.isDouble() ? v.toDouble() : v.toString().toDouble();
                if (!std::isnan(x))
                    s.numbers.push_back(x);
            }
        }
        if (!std::is_sorted(s.numbers.begin(), s.numbers.end()))
            std::sort(s.numbers.begin(), s.numbers.end());
        return s;
    }
    const QJsonDocument sample = QJsonDocument::fromJson(profile.sampleJson.toUtf8());
    if (!sample.isArray()) {
        if (why)
            *why = QStringLiteral("its stored sample is not a JSON array");
        return std::nullopt;
    }
    for (const auto& v : sample.array())
        s.categories << (v.isString() ? v.toString() : QString::number(v.toDouble()));
    const QJsonObject counts
        = QJsonDocument::fromJson(profile.statsJson.toUtf8()).object().value(QStringLiteral("counts")).toObject();
    for (auto it = counts.begin(); it != counts.end(); ++it)
        s.categoryCounts.insert(it.key(), it.value().toDouble());
    if (s.categoryCounts.isEmpty()) {
        for (const QString& c : s.categories)
            s.categoryCounts[c] += 1;
    }
    return s;
}

} // namespace reprise
