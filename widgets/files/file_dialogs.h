#pragma once
// File dialogs that never open the files they list. Qt's own dialogs (and the GTK one it may hand
// over to) find each file's icon and type by reading its first bytes; the open and close of that
// read drops every POSIX lock this process holds on the file, and SQLite's locking on an open run
// database silently breaks (another process then resets its shared memory and deletes its
// write-ahead log under the window). These dialogs are Qt's widget dialog with an icon provider
// that decides by name only. Use them for every dialog in the application.

#include <QString>

class QFileDialog;
class QWidget;

namespace reprise {

/// A non-native dialog whose listing never reads a file (icons and types by name). Not yet shown;
/// the caller owns it. `directory` is where it starts.
QFileDialog* createFileDialog(QWidget* parent, const QString& caption, const QString& directory);

/// Like QFileDialog::getOpenFileName(), without reading any listed file. Empty when cancelled.
QString chooseOpenFile(QWidget* parent, const QString& caption, const QString& directory, const QString& filter);
/// Like QFileDialog::getExistingDirectory(). Empty when cancelled.
QString chooseDirectory(QWidget* parent, const QString& caption, const QString& directory);
/// Like QFileDialog::getSaveFileName() (asks before overwriting). Empty when cancelled.
QString chooseSaveFile(QWidget* parent, const QString& caption, const QString& path, const QString& filter);

/// What kind of place a source dialog asks for.
enum class SourceChoice {
    File, ///< File ▸ Open: a database or another tracker's file
    Folder, ///< File ▸ Open Folder: mlruns/, a TensorBoard log dir, a DVC project, Lightning logs
    ToImport, ///< File ▸ Import: a folder, or (when that dialog is cancelled) a file
};
/// Asks for a source to open or import, starting in `directory`. Empty when cancelled.
QString chooseSource(QWidget* parent, SourceChoice choice, const QString& directory);

} // namespace reprise
