#!/usr/bin/env bash
# The architecture's rooms, checked on the source text (no build needed; deterministic: files are read
# in byte order and nothing depends on time or load):
#   1. no .cpp/.h under app/ or widgets/ has more than 600 lines;
#   2. no file under app/, widgets/ or models/ outside models/core/ touches SQLite (sqlite3_*, sqlite3.h)
#      or files: QFile, QSaveFile, QTemporaryFile, std::[io]fstream, fopen/fdopen/freopen, POSIX ::open,
#      QTextStream on anything but stdin/stdout/stderr, directory listings (entryList, entryInfoList,
#      QDirIterator). QFileInfo and QFileDialog are fine; reading and writing go through models/core/;
#   3. layers: models/core/ includes QtCore (no other Qt module) and nothing from models/, widgets/ or
#      app/; models/ includes no QtWidgets (nor Charts, SvgWidgets, OpenGLWidgets, PrintSupport) and
#      nothing from widgets/ or app/; widgets/ includes nothing from app/.
# Comments and string literals are ignored. Every offence is printed as PATH:LINE: what, and the exit
# status is 1 when there is one.
#
# Usage: check_rooms.sh [SOURCE_DIR [QT_HEADERS_DIR]]
#   SOURCE_DIR      the project (default: two folders above this script)
#   QT_HEADERS_DIR  the folder holding QtCore/, QtGui/, QtWidgets/... (default: qtpaths6/qmake6's answer)
set -u
export LC_ALL=C

root=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
qt_headers=${2:-}
max_lines=600
cd "$root" || { echo "check_rooms: cannot enter $root" >&2; exit 2; }
for dir in app widgets models models/core; do
    [[ -d $dir ]] || { echo "check_rooms: $root/$dir is missing: is $root the Reprise source folder?" >&2; exit 2; }
done

if [[ -z $qt_headers || ! -d $qt_headers/QtCore ]]; then
    qt_headers=""
    for tool in qtpaths6 qmake6 qtpaths qmake; do
        if command -v "$tool" >/dev/null 2>&1; then
            candidate=$("$tool" -query QT_INSTALL_HEADERS 2>/dev/null || "$tool" --query QT_INSTALL_HEADERS 2>/dev/null)
            if [[ -n $candidate && -d $candidate/QtCore ]]; then
                qt_headers=$candidate
                break
            fi
        fi
    done
fi

# Qt class header -> module (QColor -> QtGui), from the installed headers; QtCore wins a tie.
declare -A qt_module=()
if [[ -n $qt_headers ]]; then
    for module_dir in "$qt_headers"/QtCore "$qt_headers"/Qt*; do
        module=${module_dir##*/}
        [[ -d $module_dir ]] || continue
        for header in "$module_dir"/Q*; do
            name=${header##*/}
            [[ $name == *.* ]] && continue
            [[ -n ${qt_module[$name]+set} ]] || qt_module[$name]=$module
        done
    done
else
    echo "check_rooms: note: Qt headers not found (give QT_HEADERS_DIR); only <QtModule/...> includes and a" \
        "short list of QtGui/QtWidgets classes are classified" >&2
    for name in QWidget QApplication QMainWindow QDialog QLabel QPushButton QLineEdit QComboBox QTableView \
        QTreeView QListView QHeaderView QBoxLayout QVBoxLayout QHBoxLayout QGridLayout QFileDialog QMessageBox \
        QMenu QAction QToolBar QStatusBar QSplitter QStackedWidget QTabWidget QScrollArea QGraphicsView \
        QGraphicsScene QStyledItemDelegate QAbstractItemView QCheckBox QSpinBox QToolButton QFrame; do
        qt_module[$name]=QtWidgets
    done
    qt_module[QAction]=QtGui
    for name in QGuiApplication QColor QFont QFontMetrics QPainter QPainterPath QPen QBrush QPixmap QImage \
        QIcon QKeyEvent QMouseEvent QPaintEvent QPalette QCursor QClipboard QTextDocument QPdfWriter \
        QImageWriter QImageReader QStandardItemModel QValidator QRegularExpressionValidator; do
        qt_module[$name]=QtGui
    done
fi

sources=()
while IFS= read -r file; do
    sources+=("$file")
done < <(find app widgets models -type f \( -name '*.cpp' -o -name '*.h' \) | sort)

failures=()
fail() { failures+=("$1"); }

# Which room a file belongs to, in $room_found (no subshell: this runs once per include).
room_of() {
    case $1 in
    models/core/*) room_found=core ;;
    models/*) room_found=models ;;
    widgets/*) room_found=widgets ;;
    app/*) room_found=app ;;
    *) room_found=other ;;
    esac
}

# 1. Size.
for file in "${sources[@]}"; do
    case $file in app/* | widgets/*) ;; *) continue ;; esac
    lines=$(wc -l <"$file")
    lines=$((lines))
    if ((lines > max_lines)); then
        fail "$file:$((max_lines + 1)): $lines lines, over the $max_lines a file in app/ or widgets/ may have: split it into rooms of its own"
    fi
done

# 2 and 3: one pass of awk over every file, comments and strings blanked, printing
#   FILE<TAB>LINE<TAB>io<TAB>what          for file or database access in code, and
#   FILE<TAB>LINE<TAB>include<TAB><name> or "name"   for every #include.
scan=$(awk '
function blank(line,    out, i, n, c, d, rest, close_at) {
    out = ""
    n = length(line)
    i = 1
    while (i <= n) {
        if (in_block) {
            close_at = index(substr(line, i), "*/")
            if (!close_at) return out
            i += close_at + 1
            in_block = 0
            out = out " "
            continue
        }
        if (in_raw != "") {
            close_at = index(substr(line, i), in_raw)
            if (!close_at) return out
            i += close_at + length(in_raw) - 1
            in_raw = ""
            out = out "\"\""
            continue
        }
        c = substr(line, i, 1)
        d = substr(line, i, 2)
        if (d == "//") return out
        if (d == "/*") { in_block = 1; i += 2; continue }
        if (c == "R" && substr(line, i + 1, 1) == "\"" && (i == 1 || substr(line, i - 1, 1) !~ /[A-Za-z0-9_]/ || substr(line, i - 1, 1) ~ /[uUL8]/)) {
            rest = substr(line, i + 2)
            close_at = index(rest, "(")
            if (close_at) {
                in_raw = ")" substr(rest, 1, close_at - 1) "\""
                i += 2 + close_at
                continue
            }
        }
        if (c == "\"" || c == "\047") {
            i++
            while (i <= n && substr(line, i, 1) != c) {
                if (substr(line, i, 1) == "\\") i++
                i++
            }
            i++
            out = out c c
            continue
        }
        out = out c
        i++
    }
    return out
}
function report(what) { printf "%s\t%d\tio\t%s\n", FILENAME, FNR, what }
FNR == 1 { in_block = 0; in_raw = "" }
{
    if (!in_block && in_raw == "" && match($0, /^[ \t]*#[ \t]*include[ \t]*[<"][^>"]*[>"]/)) {
        inc = substr($0, RSTART, RLENGTH)
        sub(/^[ \t]*#[ \t]*include[ \t]*/, "", inc)
        printf "%s\t%d\tinclude\t%s\n", FILENAME, FNR, inc
        next
    }
    code = blank($0)
    if (FILENAME ~ /^models\/core\//) next
    w = "(^|[^A-Za-z0-9_])"
    e = "([^A-Za-z0-9_]|$)"
    if (code ~ /sqlite3_/) report("SQLite (sqlite3_*)")
    if (code ~ (w "QFile" e)) report("QFile")
    if (code ~ (w "QSaveFile" e)) report("QSaveFile")
    if (code ~ (w "QTemporaryFile" e)) report("QTemporaryFile")
    if (code ~ (w "(std::)?(basic_)?[io]?fstream" e)) report("a file stream (std::ifstream/ofstream/fstream)")
    if (code ~ (w "(fopen|fdopen|freopen|fopen64)[ \t]*\\(")) report("C stdio on a file (fopen)")
    if (code ~ /(^|[^A-Za-z0-9_>])::(open|creat|openat)[ \t]*\(/) report("POSIX open()")
    if (code ~ (w "QTextStream" e) && code !~ (w "(stdin|stdout|stderr)" e)) report("QTextStream on something other than stdin/stdout/stderr")
    if (code ~ /(\.|->|::)entry(Info)?List[ \t]*\(/) report("a directory listing (entryList/entryInfoList)")
    if (code ~ (w "QDirIterator" e)) report("a directory listing (QDirIterator)")
}
' "${sources[@]}")

# Sets $resolved to the project file a quoted include of FILE means (empty when none), found the way the
# build does: the including file's folder first, then the include roots models/core, models, widgets, app,
# then the source folder.
resolve() {
    local file=$1 name=$2 dir candidate
    dir=${file%/*}
    resolved=""
    for candidate in "$dir/$name" "models/core/$name" "models/$name" "widgets/$name" "app/$name" "$name"; do
        if [[ -f $candidate ]]; then
            if [[ $candidate == *..* || $candidate == */./* || $candidate == ./* ]]; then
                candidate=$(realpath -m --relative-to=. "$candidate")
            fi
            resolved=$candidate
            return
        fi
    done
}

while IFS=$'\t' read -r file line kind what; do
    [[ -n $file ]] || continue
    room_of "$file"
    room=$room_found
    if [[ $kind == io ]]; then
        if [[ $what == SQLite* ]]; then
            fail "$file:$line: $what outside models/core: go through the store (models/core/store)"
        else
            fail "$file:$line: file access outside models/core: $what; read and write files through a models/core function"
        fi
        continue
    fi
    # An include.
    name=${what:1:${#what}-2}
    if [[ $what == \<* ]]; then
        base=${name##*/}
        if [[ $room != core ]]; then
            case $base in
            sqlite3.h) fail "$file:$line: includes <sqlite3.h> outside models/core: go through the store (models/core/store)" ;;
            QFile | QSaveFile | QTemporaryFile | QDirIterator | fstream | ifstream | ofstream)
                fail "$file:$line: includes <$name> outside models/core: read and write files through a models/core function" ;;
            esac
        fi
        module=""
        if [[ $name == Qt*/* ]]; then
            module=${name%%/*}
        elif [[ $name == Q* && -n ${qt_module[$name]+set} ]]; then
            module=${qt_module[$name]}
        elif [[ $name == Qt* && -d $qt_headers/$name ]]; then
            module=$name # a whole module, e.g. <QtWidgets>
        fi
        [[ -n $module ]] || continue
        case $room in
        core)
            if [[ $module != QtCore ]]; then
                fail "$file:$line: models/core includes <$name> from $module: the core uses QtCore, SQLite and fmt only"
            fi
            ;;
        models)
            case $module in
            QtWidgets | QtCharts | QtSvgWidgets | QtOpenGLWidgets | QtPrintSupport)
                fail "$file:$line: models/ includes <$name> from $module: models use QtCore and QtGui only" ;;
            esac
            ;;
        esac
        continue
    fi
    resolve "$file" "$name"
    target=$resolved
    [[ -n $target ]] || continue
    room_of "$target"
    target_room=$room_found
    case $room:$target_room in
    core:models | core:widgets | core:app)
        fail "$file:$line: models/core includes \"$name\" ($target): the core depends on nothing above it" ;;
    models:widgets | models:app)
        fail "$file:$line: models/ includes \"$name\" ($target): models depend on models/core only" ;;
    widgets:app)
        fail "$file:$line: widgets/ includes \"$name\" ($target): widgets do not depend on app/" ;;
    esac
done <<<"$scan"

if ((${#failures[@]})); then
    printf '%s\n' "${failures[@]}"
    echo "check_rooms: ${#failures[@]} offence(s) against the rooms of the architecture in ${#sources[@]} files" \
        "(rules: tests/architecture/check_rooms.sh)"
    exit 1
fi
echo "check_rooms: ${#sources[@]} files in app/, widgets/ and models/ keep to their rooms" \
    "(at most $max_lines lines in app/ and widgets/; no SQLite or file access outside models/core; layers in order)"
exit 0
