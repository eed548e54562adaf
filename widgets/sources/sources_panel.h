#pragma once

#include <QTreeWidget>

namespace reprise {

class SourceRegistry;
struct SourceInfo;

/// The sources panel: every open source with its projects and run counts, its kind and state
/// (live, read-only, stale, unreachable), the current one in bold. It observes a SourceRegistry;
/// clicking a source or a project asks for it to be shown. With several sources open, an "All
/// sources" entry first shows every source's runs in one table.
class SourcesPanel : public QTreeWidget {
    Q_OBJECT
public:
    /// What chosen() names for the "All sources" entry (never a path or a connection string).
    static QString allSources() { return QStringLiteral("reprise:all-sources"); }

    explicit SourcesPanel(SourceRegistry* sources, QWidget* parent = nullptr);

    /// The panel's line for a source: name, run count, kind and state.
    static QString label(const SourceInfo& source);
    /// Marks `path` as the source shown.
    void setCurrent(const QString& path);

Q_SIGNALS:
    /// The user clicked a source (`project` empty) or one of its projects.
    void chosen(const QString& path, const QString& project);
    /// The user asked to close a source (its context menu).
    void closeRequested(const QString& path);

private:
    void fill();

    SourceRegistry* m_sources;
    QString m_current;
};

} // namespace reprise
