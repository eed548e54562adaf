#pragma once

#include <QDialog>
#include <QList>

class QAction;
class QLineEdit;
class QMenuBar;
class QListWidget;

namespace reprise {

/// Ctrl+K: every action of the window by name. Typing narrows the list (all words must appear, in
/// any order, case-insensitively); Enter or a click runs the highlighted action; Esc closes.
/// Disabled actions are listed greyed out so people learn they exist.
class CommandPalette : public QDialog {
    Q_OBJECT
public:
    explicit CommandPalette(QWidget* parent = nullptr);

    /// The actions to offer (menu paths are part of their names, e.g. "Run ▸ Archive").
    void setActions(const QList<QPair<QString, QAction*>>& actions);
    /// Every action of a menu bar, named by its menu path as the menus show it ("Runs ▸ Archive").
    static QList<QPair<QString, QAction*>> menuActions(const QMenuBar* bar);
    /// Shows the palette over the window with an empty query.
    void popUp();
    void setQuery(const QString& text);
    /// Names of the actions the current query lists, in order.
    QStringList shownNames() const;
    /// Runs the highlighted action (if enabled) and closes.
    void runCurrent();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void refill();

    QList<QPair<QString, QAction*>> m_actions;
    QLineEdit* m_query;
    QListWidget* m_list;
};

} // namespace reprise
