#pragma once
// A run database whose every text field is hostile: HTML that Qt would render (huge red text, an
// image), terminal control sequences (screen clear, an OSC window title, BEL, NUL) and a
// right-to-left override that turns "abc\u202egnp.exe" into "abcexe.png" on screen. Shared by the
// widget, window and command-line tests of the plain-text rule.

#include "analysis/feature_profile.h"
#include "store/run_store.h"

#include <QStringList>
#include <QTest>

namespace hostile {

inline QString rlo() { return QString(QChar(0x202E)); }

/// The hostile run name of the brief: markup, an OSC title ended by BEL, and a right-to-left override.
inline QString name()
{
    return QStringLiteral("<span style=\"font-size:40pt;color:red\">big</span>\x1b]0;pwned\x07") + rlo()
        + QStringLiteral("gnp.exe");
}
/// name() as it must be shown: every character visible, in its own order.
inline QString nameShown()
{
    return QStringLiteral("<span style=\"font-size:40pt;color:red\">big</span>\\x1b]0;pwned\\x07\\u202egnp.exe");
}
/// name() as a rich-text renderer (QtCharts) must be given it.
inline QString nameHtml()
{
    return QStringLiteral("&lt;span style=&quot;font-size:40pt;color:red&quot;&gt;big&lt;/span&gt;"
                          "\\x1b]0;pwned\\x07\\u202egnp.exe");
}

/// The second run's name: an image tag, an already escaped entity, a screen clear and a NUL.
inline QString name2()
{
    return QStringLiteral("<img src=x>&amp;\x1b[2J") + QChar(0) + rlo() + QStringLiteral("2gnp.exe");
}
inline QString name2Shown() { return QStringLiteral("<img src=x>&amp;\\x1b[2J\\x00\\u202e2gnp.exe"); }

inline QString project() { return QStringLiteral("<b>proj</b>\x1b[2J") + rlo() + QStringLiteral("j"); }
inline QString projectShown() { return QStringLiteral("<b>proj</b>\\x1b[2J\\u202ej"); }

inline QString paramKey() { return QStringLiteral("<b>opt</b>\x07") + rlo(); }
inline QString paramKeyShown() { return QStringLiteral("<b>opt</b>\\x07\\u202e"); }
inline QString paramValue() { return QStringLiteral("<i>adam</i>\x1b[31m") + rlo() + QStringLiteral("gnp.exe"); }
inline QString paramValueShown() { return QStringLiteral("<i>adam</i>\\x1b[31m\\u202egnp.exe"); }

/// With DEL and U+009B (CSI to terminals that take 8-bit controls), which JSON may leave raw.
inline QString tagValue() { return QStringLiteral("<u>vision</u>\x1b]0;t\x07") + rlo() + QChar(0x7F) + QChar(0x9B); }
inline QString tagValueShown() { return QStringLiteral("<u>vision</u>\\x1b]0;t\\x07\\u202e\\x7f\\x9b"); }

inline QString metricKey() { return QStringLiteral("<sup>val</sup>\x1b]0;m\x07") + rlo() + QStringLiteral("cca"); }
inline QString metricKeyShown() { return QStringLiteral("<sup>val</sup>\\x1b]0;m\\x07\\u202ecca"); }
inline QString metricKeyHtml() { return QStringLiteral("&lt;sup&gt;val&lt;/sup&gt;\\x1b]0;m\\x07\\u202ecca"); }

inline QString stepName() { return QStringLiteral("<b>prep</b>\x1b[2J") + rlo() + QStringLiteral("pets"); }
inline QString stepNameShown() { return QStringLiteral("<b>prep</b>\\x1b[2J\\u202epets"); }

inline QString artifactPath() { return QStringLiteral("data/<i>x</i>\x1b") + rlo() + QStringLiteral("gnp.exe"); }
inline QString artifactPathShown() { return QStringLiteral("data/<i>x</i>\\x1b\\u202egnp.exe"); }

inline QString featureName()
{
    return QStringLiteral("<span style=\"color:red\">age</span>\x1b") + rlo() + QStringLiteral("ega");
}
inline QString featureShown() { return QStringLiteral("<span style=\"color:red\">age</span>\\x1b\\u202eega"); }
inline QString featureHtml()
{
    return QStringLiteral("&lt;span style=&quot;color:red&quot;&gt;age&lt;/span&gt;\\x1b\\u202eega");
}

inline QString category() { return QStringLiteral("<b>pro</b>\x07") + rlo(); }
inline QString categoryHtml() { return QStringLiteral("&lt;b&gt;pro&lt;/b&gt;\\x07\\u202e"); }

inline QString batchName() { return QStringLiteral("batch<i>\x07") + rlo(); }
inline QString batchShown() { return QStringLiteral("batch<i>\\x07\\u202e"); }

inline QString output()
{
    return QStringLiteral("\x1b[2J\x1b]0;pwned\x07hello") + rlo() + QStringLiteral("\r\nsecond\n");
}
inline QString outputShown() { return QStringLiteral("\\x1b[2J\\x1b]0;pwned\\x07hello\\u202e\nsecond\n"); }

struct Database {
    QString path;
    QString first; ///< uuid of the older run (name())
    QString second; ///< uuid of the newer run (name2())
};

inline std::vector<double> spread(int n, double mean, double width)
{
    std::vector<double> out;
    for (int i = 0; i < n; ++i)
        out.push_back(mean + width * (double(i % 97) / 96.0 - 0.5));
    return out;
}

/// Writes two finished runs of project() into a new database at `path`: hostile names, params, tags,
/// notes, metric keys, a two-step pipeline with a hostile step name and artifact path, datasets with a
/// hostile feature name and category (the second run's drifted), and captured output.
inline Database write(const QString& path)
{
    Database out { path, {}, {} };
    auto store = reprise::RunStore::open(path, reprise::OpenMode::Create);
    if (!store) {
        qWarning() << store.error().message;
        return out;
    }
    for (int i = 0; i < 2; ++i) {
        reprise::NewRun run;
        run.uuid = i == 0 ? QStringLiteral("a1b2c3d4e5f60718293a4b5c6d7e8f90")
                          : QStringLiteral("f1e2d3c4b5a60718293a4b5c6d7e8f90");
        run.project = project();
        run.name = i == 0 ? name() : name2();
        run.user = QStringLiteral("eve\x1b[2J");
        run.host = QStringLiteral("host") + rlo();
        run.startTime = 1'700'000'000 + 3600 * i;
        run.launch.argv = QStringList { QStringLiteral("python"), QStringLiteral("train.py"), name() };
        run.launch.workingDir = QStringLiteral("/tmp/") + rlo() + QStringLiteral("kcatta");
        run.params.insert(
            QStringLiteral("lr"), reprise::ParamValue::infer(i == 0 ? QStringLiteral("0.1") : QStringLiteral("0.01")));
        run.params.insert(paramKey(), reprise::ParamValue { paramValue() + QString::number(i), QStringLiteral("str") });
        run.tags.insert(QStringLiteral("team"), tagValue());
        auto ref = store->createRun(run);
        if (!ref) {
            qWarning() << ref.error().message;
            return out;
        }
        (i == 0 ? out.first : out.second) = ref->uuid;
        (void)store->setNotes(ref->rowId, QStringLiteral("first line\n") + name());
        const std::vector<qint64> steps { 0, 1, 2, 3 };
        const std::vector<double> values { 0.5, 0.6 + 0.1 * i, 0.7, 0.8 - 0.1 * i };
        const std::vector<double> times { 1, 2, 3, 4 };
        (void)store->logMetric(ref->rowId, metricKey(), steps, values, times);
        (void)store->logMetric(ref->rowId, QStringLiteral("loss"), steps, values, times);

        reprise::StepRecord prep;
        prep.name = stepName();
        prep.status = QStringLiteral("finished");
        prep.startTime = run.startTime;
        prep.endTime = run.startTime + 10;
        prep.command = QStringLiteral("python prep.py ") + name();
        prep.log = output();
        reprise::ArtifactRecord data;
        data.path = artifactPath();
        data.hash = QStringLiteral("sha256:") + QString(64, i == 0 ? u'a' : u'b');
        data.size = 42;
        prep.outputs << data;
        reprise::StepRecord train;
        train.name = QStringLiteral("train");
        train.status = QStringLiteral("finished");
        train.startTime = run.startTime + 10;
        train.endTime = run.startTime + 30;
        train.inputs << data;
        (void)store->addSteps(ref->rowId, { prep, train });

        reprise::DatasetRecord dataset;
        dataset.name = i == 0 ? QStringLiteral("train") : batchName();
        dataset.rows = 2000;
        QStringList plans;
        for (int k = 0; k < 400; ++k)
            plans << (k % (i == 0 ? 4 : 2) ? QStringLiteral("basic") : category());
        dataset.profiles << reprise::profileNumeric(featureName(), spread(2000, 40 + 15 * i, 10), 0)
                         << reprise::profileCategorical(QStringLiteral("plan"), plans, 0);
        (void)store->addDataset(ref->rowId, dataset);

        reprise::OutputChunk chunk;
        chunk.stream = QStringLiteral("stdout");
        chunk.time = run.startTime + 1;
        chunk.data = output();
        (void)store->appendOutput(ref->rowId, { chunk });
        (void)store->finishRun(ref->rowId, reprise::RunStatus::Finished, 0, run.startTime + 60);
    }
    return out;
}

/// True when `text` could reach a terminal or a text renderer as anything but visible characters:
/// a control character other than a line break or tab, DEL, a C1 control, or a bidirectional override.
inline bool hasRawControls(const QString& text)
{
    for (QChar c : text) {
        const char16_t u = c.unicode();
        if ((u < 0x20 && u != u'\n' && u != u'\t') || (u >= 0x7F && u < 0xA0) || (u >= 0x202A && u <= 0x202E)
            || (u >= 0x2066 && u <= 0x2069))
            return true;
    }
    return false;
}

} // namespace hostile
