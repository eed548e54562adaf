#include "welcome/welcome_page.h"

#include <QApplication>
#include <QClipboard>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace reprise {

QString WelcomePage::runExample() { return QStringLiteral("reprise run --project my-project -- python train.py"); }

QString WelcomePage::pythonExample()
{
    return QStringLiteral("import reprise\n"
                          "with reprise.start_run(project=\"my-project\", params={\"lr\": 0.01}) as run:\n"
                          "    run.log_metric(\"loss\", 0.42, step=1)\n");
}

WelcomePage::WelcomePage(QWidget* parent)
    : QWidget(parent)
    , m_message(new QLabel(this))
    , m_demo(new QPushButton(tr("Load the demo database"), this))
{
    auto* layout = new QVBoxLayout(this);
    auto* title = new QLabel(tr("No runs here yet"), this);
    QFont big = title->font();
    big.setPointSizeF(big.pointSizeF() * 1.6);
    title->setFont(big);
    m_message->setTextFormat(Qt::PlainText); // it names a path
    QString python = pythonExample();
    python.replace(u'\n', QStringLiteral("\n    ")).prepend(QStringLiteral("    "));
    auto* text = new QLabel(tr("Record a run by wrapping any command:\n    %1\n\n"
                               "or log from Python code (standard library only):\n%2\n"
                               "or open another run database, or look around in the demo database.")
                                .arg(runExample(), python),
        this);
    text->setTextFormat(Qt::PlainText);
    text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* copyRun = new QPushButton(tr("Copy the reprise run command"), this);
    auto* copyPython = new QPushButton(tr("Copy the Python example"), this);
    auto* open = new QPushButton(tr("Open a database…"), this);
    connect(copyRun, &QPushButton::clicked, this, [this] {
        QApplication::clipboard()->setText(runExample());
        Q_EMIT copied(tr("Copied: %1").arg(runExample()));
    });
    connect(copyPython, &QPushButton::clicked, this, [this] {
        QApplication::clipboard()->setText(pythonExample());
        Q_EMIT copied(tr("Copied the Python example"));
    });
    connect(open, &QPushButton::clicked, this, &WelcomePage::openRequested);
    connect(m_demo, &QPushButton::clicked, this, &WelcomePage::demoRequested);
    auto* buttons = new QHBoxLayout;
    for (QPushButton* b : { copyRun, copyPython, open, m_demo })
        buttons->addWidget(b);
    buttons->addStretch();
    layout->addStretch();
    layout->addWidget(title);
    layout->addWidget(m_message);
    layout->addSpacing(8);
    layout->addWidget(text);
    layout->addLayout(buttons);
    layout->addStretch(2);
}

void WelcomePage::setMessage(const QString& text) { m_message->setText(text); }

void WelcomePage::setDemoEnabled(bool enabled) { m_demo->setEnabled(enabled); }

} // namespace reprise
