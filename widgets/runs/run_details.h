#pragma once

#include "store/run_types.h"

#include <QWidget>

class QPlainTextEdit;

namespace reprise {

/// Everything recorded about one run (params, tags, notes, command, git, environment, datasets,
/// artifacts, output), always as plain text: nothing from a database is rendered as rich text.
class RunDetails : public QWidget {
    Q_OBJECT
public:
    explicit RunDetails(QWidget* parent = nullptr);

    void showRun(const RunRecord& run, const QList<OutputChunk>& output);
    void showMessage(const QString& text);
    QString text() const;

private:
    QPlainTextEdit* m_text;
};

} // namespace reprise
