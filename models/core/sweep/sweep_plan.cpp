#include "sweep/sweep_plan.h"

#include <QJsonDocument>
#include <QRandomGenerator>
#include <QSet>
#include <charconv>
#include <cmath>
#include <limits>

namespace reprise {

namespace {

    QString kindName(SweepAxis::Kind kind)
    {
        switch (kind) {
        case SweepAxis::Kind::Grid:
            return QStringLiteral("grid");
        case SweepAxis::Kind::Uniform:
            return QStringLiteral("uniform");
        case SweepAxis::Kind::LogUniform:
            return QStringLiteral("loguniform");
        case SweepAxis::Kind::Choice:
            break;
        }
        return QStringLiteral("choice");
    }

    /// The shortest text that reads back as exactly `value`.
    QString shortestText(double value)
    {
        char buffer[64];
        const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
        return QString::fromLatin1(buffer, int(end - buffer));
    }

    /// splitmix64: a fixed, documented mixing function, so draws are the same on every platform
    /// and standard library (std::uniform_real_distribution is not).
    quint64 mix(quint64 x)
    {
        x += 0x9e3779b97f4a7c15ULL;
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
        return x ^ (x >> 31);
    }

    /// A uniform number in [0, 1) for draw (member, axis) of a seed: independent of the order in
    /// which members are made.
    double unitDraw(quint64 seed, int member, int axis)
    {
        const quint64 x = mix(mix(mix(seed) ^ quint64(member)) ^ (quint64(axis) << 32));
        return double(x >> 11) * 0x1.0p-53;
    }

    Result<double> number(const QString& text, const QString& what)
    {
        bool ok = false;
        const double value = text.toDouble(&ok);
        if (!ok || !std::isfinite(value))
            return Error { what + QStringLiteral(": '") + text + QStringLiteral("' is not a finite number"),
                QStringLiteral("e.g. --random lr=loguniform:1e-4:1e-1") };
        return value;
    }

    Result<QStringList> valueList(const QString& text, const QString& what, const QString& example)
    {
        if (text.isEmpty())
            return Error { what + QStringLiteral(": no values"), QStringLiteral("e.g. ") + example };
        const QStringList values = text.split(u',');
        QSet<QString> seen;
        for (const QString& value : values) {
            if (value.isEmpty())
                return Error { what + QStringLiteral(": an empty value (two commas, or a comma at an end)"),
                    QStringLiteral("e.g. ") + example };
            if (seen.contains(value))
                return Error { what + QStringLiteral(": '") + value + QStringLiteral("' is listed twice"),
                    QStringLiteral("list each value once") };
            seen.insert(value);
        }
        return values;
    }

    /// `text` as a value of the param `key`, whose recorded value is `recorded`.
    Result<ParamValue> typedValue(const QString& key, const ParamValue& recorded, const QString& text)
    {
        const QString& type = recorded.type;
        bool ok = true;
        if (type == QLatin1String("float")) {
            const double value = text.toDouble(&ok);
            ok = ok || text == QLatin1String("nan") || text == QLatin1String("inf") || text == QLatin1String("-inf");
            (void)value;
        } else if (type == QLatin1String("int")) {
            text.toLongLong(&ok);
        } else if (type == QLatin1String("bool")) {
            ok = text == QLatin1String("true") || text == QLatin1String("false");
        } else if (type == QLatin1String("json")) {
            ok = !QJsonDocument::fromJson(text.toUtf8()).isNull();
        }
        if (!ok)
            return Error { QStringLiteral("param '") + key + QStringLiteral("': '") + text
                    + QStringLiteral("' is not a value of type ") + type + QStringLiteral(" (the run recorded ") + key
                    + u'=' + recorded.value + u')',
                type == QLatin1String("bool")
                    ? QStringLiteral("give true or false")
                    : QStringLiteral("give values of the recorded type, e.g. ") + key + u'=' + recorded.value };
        return ParamValue { text, type };
    }

    /// A drawn number as a value of the param (an int param gets an integer in [low, high]).
    Result<ParamValue> drawnValue(const SweepAxis& axis, const ParamValue& recorded, double u)
    {
        const QString& type = recorded.type;
        if (type == QLatin1String("int")) {
            if (axis.kind == SweepAxis::Kind::Uniform) {
                const double lo = std::ceil(axis.low), hi = std::floor(axis.high);
                const double value = std::min(hi, lo + std::floor(u * (hi - lo + 1)));
                return ParamValue { QString::number(qint64(value)), type };
            }
            const double value = std::exp(std::log(axis.low) + u * (std::log(axis.high) - std::log(axis.low)));
            return ParamValue { QString::number(qint64(std::llround(std::clamp(value, axis.low, axis.high)))), type };
        }
        const double value = axis.kind == SweepAxis::Kind::Uniform
            ? axis.low + u * (axis.high - axis.low)
            : std::exp(std::log(axis.low) + u * (std::log(axis.high) - std::log(axis.low)));
        return ParamValue { shortestText(value), QStringLiteral("float") };
    }

} // namespace

bool SweepSpec::hasRandom() const
{
    for (const SweepAxis& axis : axes)
        if (axis.kind != SweepAxis::Kind::Grid)
            return true;
    return false;
}

qint64 SweepSpec::size() const
{
    constexpr qint64 cap = qint64(1) << 62;
    qint64 n = std::max(samples, 1);
    for (const SweepAxis& axis : axes)
        if (axis.kind == SweepAxis::Kind::Grid) {
            const qint64 k = std::max<qint64>(axis.values.size(), 1);
            n = n > cap / k ? cap : n * k;
        }
    return n;
}

Result<SweepSpec> parseSweepSpec(const QStringList& grid, const QStringList& random, int samples, quint64 seed)
{
    SweepSpec spec;
    spec.seed = seed;
    QSet<QString> keys;
    const auto keyOf = [&keys](const QString& argument, const QString& option, const QString& example, QString& key,
                           QString& rest) -> Status {
        const qsizetype eq = argument.indexOf(u'=');
        if (eq <= 0)
            return Error { option + QStringLiteral(" '") + argument + QStringLiteral("': expected KEY=") + example,
                QStringLiteral("e.g. ") + option + u' '
                    + (option == QLatin1String("--grid") ? QStringLiteral("lr=0.001,0.01,0.1")
                                                         : QStringLiteral("lr=loguniform:1e-4:1e-1")) };
        key = argument.left(eq).trimmed();
        rest = argument.mid(eq + 1).trimmed();
        if (keys.contains(key))
            return Error { QStringLiteral("param '") + key + QStringLiteral("' is swept twice"),
                QStringLiteral("give each param one --grid or --random") };
        keys.insert(key);
        return success();
    };
    for (const QString& argument : grid) {
        QString key, rest;
        if (auto st = keyOf(argument, QStringLiteral("--grid"), QStringLiteral("V1,V2,..."), key, rest); !st)
            return st.error();
        auto values = valueList(rest, QStringLiteral("--grid ") + key, QStringLiteral("--grid lr=0.001,0.01,0.1"));
        if (!values)
            return values.error();
        spec.axes.append({ key, SweepAxis::Kind::Grid, *values, 0, 0 });
    }
    for (const QString& argument : random) {
        QString key, rest;
        if (auto st = keyOf(argument, QStringLiteral("--random"), QStringLiteral("uniform:A:B"), key, rest); !st)
            return st.error();
        const QString what = QStringLiteral("--random ") + key;
        const qsizetype colon = rest.indexOf(u':');
        const QString name = rest.left(colon);
        const QString args = colon < 0 ? QString() : rest.mid(colon + 1);
        SweepAxis axis { key, SweepAxis::Kind::Choice, {}, 0, 0 };
        if (name == QLatin1String("choice")) {
            auto values = valueList(args, what, QStringLiteral("--random optimizer=choice:sgd,adam"));
            if (!values)
                return values.error();
            axis.values = *values;
        } else if (name == QLatin1String("uniform") || name == QLatin1String("loguniform")) {
            axis.kind = name == QLatin1String("uniform") ? SweepAxis::Kind::Uniform : SweepAxis::Kind::LogUniform;
            const QStringList bounds = args.split(u':');
            if (bounds.size() != 2)
                return Error { what + QStringLiteral(": expected ") + name + QStringLiteral(":A:B"),
                    QStringLiteral("e.g. --random ") + key + u'=' + name + QStringLiteral(":0.001:0.1") };
            auto low = number(bounds[0], what);
            auto high = number(bounds[1], what);
            if (!low || !high)
                return (!low ? low : high).error();
            if (!(*low < *high))
                return Error { what + QStringLiteral(": the lower bound must be below the upper one"),
                    QStringLiteral("e.g. ") + name + QStringLiteral(":0.001:0.1") };
            if (axis.kind == SweepAxis::Kind::LogUniform && *low <= 0)
                return Error { what + QStringLiteral(": loguniform needs bounds above 0"),
                    QStringLiteral("e.g. loguniform:1e-5:1e-1, or uniform for ranges that include 0") };
            axis.low = *low;
            axis.high = *high;
        } else {
            return Error { what + QStringLiteral(": unknown distribution '") + name + u'\'',
                QStringLiteral("use uniform:A:B, loguniform:A:B or choice:V1,V2,...") };
        }
        spec.axes.append(axis);
    }
    if (spec.axes.isEmpty())
        return Error { QStringLiteral("nothing to sweep"),
            QStringLiteral("give at least one --grid KEY=V1,V2,... or --random KEY=uniform:A:B") };
    if (!spec.hasRandom() && samples >= 0 && samples != 1)
        return Error { QStringLiteral("--samples: only --random params are drawn, and there are none"),
            QStringLiteral("add --random KEY=..., or leave --samples out") };
    if (spec.hasRandom()) {
        if (samples == 0)
            return Error { QStringLiteral("--samples 0: a sweep needs at least one draw"),
                QStringLiteral("e.g. --samples 20") };
        spec.samples = samples < 0 ? kDefaultSweepSamples : samples;
    }
    return spec;
}

Result<QList<SweepMember>> expandSweep(const SweepSpec& spec, const RerunDraft& base)
{
    for (const SweepAxis& axis : spec.axes)
        if (!base.params.contains(axis.key)) {
            QStringList known = base.params.keys();
            return Error { QStringLiteral("param '") + axis.key + QStringLiteral("' is not a param of run ")
                    + base.originalId.left(8)
                    + (known.isEmpty() ? QStringLiteral(" (it recorded no params)")
                                       : QStringLiteral(" (its params: ") + known.join(QStringLiteral(", ")) + u')'),
                QStringLiteral("sweep only params the run recorded; check the spelling (`reprise show RUN` lists "
                               "them)") };
        }
    const qint64 size = spec.size();
    if (size > kSweepMaximum)
        return Error { QStringLiteral("a sweep of %1 members is too large (at most %2)").arg(size).arg(kSweepMaximum),
            QStringLiteral("use fewer grid values, or --random with --samples") };

    // Every value checked once, before any member is made.
    QList<int> gridAxes, randomAxes;
    QList<QList<ParamValue>> typed(spec.axes.size());
    for (int a = 0; a < spec.axes.size(); ++a) {
        const SweepAxis& axis = spec.axes[a];
        const ParamValue& recorded = base.params.value(axis.key);
        (axis.kind == SweepAxis::Kind::Grid ? gridAxes : randomAxes) << a;
        if (axis.kind == SweepAxis::Kind::Grid || axis.kind == SweepAxis::Kind::Choice) {
            for (const QString& text : axis.values) {
                auto value = typedValue(axis.key, recorded, text);
                if (!value)
                    return value.error();
                typed[a] << *value;
            }
        } else {
            const QString& type = recorded.type;
            if (type != QLatin1String("float") && type != QLatin1String("int"))
                return Error { QStringLiteral("param '") + axis.key + QStringLiteral("' is a ") + type
                        + QStringLiteral(" (the run recorded ") + axis.key + u'=' + recorded.value
                        + QStringLiteral("), so it cannot be drawn from ") + kindName(axis.kind),
                    QStringLiteral("draw it from a list instead: --random ") + axis.key
                        + QStringLiteral("=choice:A,B") };
            if (type == QLatin1String("int") && axis.kind == SweepAxis::Kind::Uniform
                && std::ceil(axis.low) > std::floor(axis.high))
                return Error { QStringLiteral("param '") + axis.key
                        + QStringLiteral("' is an int, and no integer lies between the bounds"),
                    QStringLiteral("widen the bounds, e.g. uniform:1:8") };
        }
    }

    QList<SweepMember> members;
    members.reserve(size);
    const int samples = std::max(spec.samples, 1);
    QList<qsizetype> position(gridAxes.size(), 0);
    for (qint64 index = 0; index < size; ++index) {
        SweepMember member;
        member.index = int(index);
        // Nested loops: the first grid axis outermost, the draws innermost.
        qint64 point = index / samples;
        for (qsizetype g = gridAxes.size() - 1; g >= 0; --g) {
            const qsizetype n = typed[gridAxes[g]].size();
            position[g] = qsizetype(point % n);
            point /= n;
        }
        for (qsizetype g = 0; g < gridAxes.size(); ++g) {
            const int a = gridAxes[g];
            member.values.insert(spec.axes[a].key, typed[a][position[g]]);
        }
        for (const int a : randomAxes) {
            const SweepAxis& axis = spec.axes[a];
            const double u = unitDraw(spec.seed, int(index), a);
            if (axis.kind == SweepAxis::Kind::Choice) {
                member.values.insert(
                    axis.key, typed[a][std::min(qsizetype(u * double(typed[a].size())), typed[a].size() - 1)]);
            } else {
                auto value = drawnValue(axis, base.params.value(axis.key), u);
                if (!value)
                    return value.error();
                member.values.insert(axis.key, *value);
            }
        }
        members << member;
    }
    return members;
}

RerunDraft SweepPlan::memberDraft(int index) const
{
    RerunDraft draft = base;
    const SweepMember& member = members.at(index);
    for (auto it = member.values.begin(); it != member.values.end(); ++it)
        draft.params.insert(it.key(), *it);
    QStringList keys;
    for (const SweepAxis& axis : spec.axes)
        keys << axis.key;
    draft.tags.insert(QStringLiteral("sweep.id"), id);
    draft.tags.insert(QStringLiteral("sweep.index"), QString::number(member.index));
    draft.tags.insert(QStringLiteral("sweep.size"), QString::number(members.size()));
    draft.tags.insert(QStringLiteral("sweep.params"), keys.join(u','));
    if (spec.hasRandom())
        draft.tags.insert(QStringLiteral("sweep.seed"), QString::number(spec.seed));
    return draft;
}

QString newSweepId()
{
    const quint64 bits = QRandomGenerator::system()->generate64();
    return QStringLiteral("%1").arg(bits & 0xffffffffffffULL, 12, 16, QLatin1Char('0'));
}

QString memberText(const SweepSpec& spec, const SweepMember& member)
{
    QStringList parts;
    for (const SweepAxis& axis : spec.axes)
        parts << axis.key + u'=' + member.values.value(axis.key).value;
    return parts.join(u' ');
}

} // namespace reprise
