#include "termeditor.h"

#include "term/print.h"
#include "theme.h"

#include <QFontDatabase>
#include <QKeyEvent>
#include <QLabel>
#include <QPlainTextEdit>
#include <QTextBlock>
#include <QVBoxLayout>

namespace vigil {

TermEditor::TermEditor(QWidget* parent)
    : QWidget(parent)
    , m_edit(new QPlainTextEdit(this))
    , m_status(new QLabel(this))
{
    auto* lay = new QVBoxLayout(this);
    lay->setContentsMargins(0, 0, 0, 0);
    lay->setSpacing(4);
    m_edit->setObjectName(QStringLiteral("termEdit"));
    m_edit->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_edit->setPlaceholderText(tr("An Elixir term, e.g. {:hello, 1} or %{key: \"value\"}"));
    m_edit->setTabChangesFocus(true);
    m_edit->setMinimumHeight(70);
    m_edit->installEventFilter(this);
    m_status->setObjectName(QStringLiteral("termStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    lay->addWidget(m_edit, 1);
    lay->addWidget(m_status);
    connect(m_edit, &QPlainTextEdit::textChanged, this, &TermEditor::reparse);
    reparse();
}

void TermEditor::setPidResolver(PidResolver resolver)
{
    m_resolver = std::move(resolver);
    reparse();
}

void TermEditor::setText(const QString& text) { m_edit->setPlainText(text); }

QString TermEditor::text() const { return m_edit->toPlainText(); }

bool TermEditor::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_edit && event->type() == QEvent::KeyPress) {
        auto* ke = static_cast<QKeyEvent*>(event);
        if ((ke->key() == Qt::Key_Return || ke->key() == Qt::Key_Enter) && (ke->modifiers() & Qt::ControlModifier)) {
            Q_EMIT submitted();
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void TermEditor::reparse()
{
    const bool wasValid = m_term.has_value();
    const QString text = m_edit->toPlainText();
    QList<QTextEdit::ExtraSelection> marks;
    if (text.trimmed().isEmpty()) {
        m_term.reset();
        m_error = tr("Type a term to send.");
        m_status->setStyleSheet(QString());
        m_status->setText(m_error);
    } else {
        TermParseOptions opts;
        opts.resolvePid = m_resolver;
        const QByteArray utf8 = text.toUtf8();
        auto parsed = parseTerm(std::string_view(utf8.constData(), size_t(utf8.size())), opts);
        if (parsed) {
            m_term = *parsed;
            m_error.clear();
            InspectOptions io;
            io.limitChars = 200;
            m_status->setStyleSheet(QStringLiteral("color: %1;").arg(Theme::current().status[int(NodeStatus::Running)].name()));
            m_status->setText(tr("✓ %1").arg(QString::fromStdString(inspect(*m_term, io)).toHtmlEscaped()));
        } else {
            m_term.reset();
            const ParseError& err = parsed.error();
            m_error = QString::fromStdString(err.toString());
            m_status->setStyleSheet(QStringLiteral("color: %1;").arg(Theme::current().signalKill.name()));
            m_status->setText(tr("✗ %1").arg(m_error.toHtmlEscaped()));
            // Mark the character where parsing stopped.
            QTextBlock block = m_edit->document()->findBlockByNumber(std::max(0, err.line - 1));
            if (block.isValid()) {
                QTextCursor c(block);
                const int col = std::clamp(err.column - 1, 0, std::max(0, block.length() - 1));
                c.movePosition(QTextCursor::Right, QTextCursor::MoveAnchor, col);
                if (!c.movePosition(QTextCursor::Right, QTextCursor::KeepAnchor) || c.selectedText().isEmpty()) {
                    c.movePosition(QTextCursor::Left, QTextCursor::KeepAnchor);
                }
                QTextEdit::ExtraSelection sel;
                sel.cursor = c;
                sel.format.setUnderlineStyle(QTextCharFormat::WaveUnderline);
                sel.format.setUnderlineColor(Theme::current().signalKill);
                QColor bg = Theme::current().signalKill;
                bg.setAlpha(60);
                sel.format.setBackground(bg);
                marks << sel;
            }
        }
    }
    m_edit->setExtraSelections(marks);
    if (wasValid != m_term.has_value())
        Q_EMIT validityChanged(m_term.has_value());
}

} // namespace vigil
