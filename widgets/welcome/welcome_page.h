#pragma once

#include <QWidget>

class QLabel;
class QPushButton;

namespace reprise {

/// What an empty database shows: how to record a first run (the `reprise run` command and a Python
/// example, each with a Copy button), opening another database, and the demo database.
class WelcomePage : public QWidget {
    Q_OBJECT
public:
    explicit WelcomePage(QWidget* parent = nullptr);

    /// The line under the title: which database is empty (plain text).
    void setMessage(const QString& text);
    /// Off while the demo database is being written.
    void setDemoEnabled(bool enabled);

    static QString runExample();
    static QString pythonExample();

Q_SIGNALS:
    void openRequested();
    void demoRequested();
    /// Something was copied to the clipboard; `what` says what, for the status bar.
    void copied(const QString& what);

private:
    QLabel* m_message;
    QPushButton* m_demo;
};

} // namespace reprise
