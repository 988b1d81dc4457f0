#include "consolewidget.h"

#include "theme.h"

#include <QFontDatabase>
#include <QKeyEvent>
#include <QLineEdit>
#include <QRegularExpression>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace vigil {

ConsoleWidget::ConsoleWidget(QWidget* parent)
    : QWidget(parent)
    , m_output(new QTextBrowser(this))
    , m_input(new QLineEdit(this))
{
    setObjectName(QStringLiteral("console"));
    auto* lay = new QVBoxLayout(this);
    lay->setContentsMargins(4, 4, 4, 4);
    lay->setSpacing(4);
    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    m_output->setFont(mono);
    m_output->setOpenLinks(false);
    m_output->setObjectName(QStringLiteral("consoleOutput"));
    m_input->setFont(mono);
    m_input->setObjectName(QStringLiteral("consoleInput"));
    m_input->setPlaceholderText(tr("iex> Elixir expression (Enter to run, ↑/↓ history)"));
    m_input->installEventFilter(this);
    lay->addWidget(m_output, 1);
    lay->addWidget(m_input);
    connect(m_input, &QLineEdit::returnPressed, this, [this] {
        const QString line = m_input->text();
        m_input->clear();
        const QString code = m_pending.isEmpty() ? line : m_pending + QLatin1Char('\n') + line;
        if (code.trimmed().isEmpty())
            return;
        if (m_needsMore && m_needsMore(code)) {
            m_pending = code;
            m_input->setPlaceholderText(tr("...> continue the expression"));
            return;
        }
        m_pending.clear();
        m_input->setPlaceholderText(tr("iex> Elixir expression (Enter to run, ↑/↓ history)"));
        evaluate(code);
    });
    connect(m_output, &QTextBrowser::anchorClicked, this, [this](const QUrl& url) {
        if (url.scheme() == QLatin1String("pid"))
            Q_EMIT pidActivated(url.path().toULongLong());
    });
    appendOutput(tr("Interactive Elixir console. Processes you start here appear in the graph."), OutputKind::Info);
}

void ConsoleWidget::setEvaluator(Evaluator evaluator) { m_evaluator = std::move(evaluator); }

void ConsoleWidget::setContinuationCheck(std::function<bool(const QString&)> needsMore)
{
    m_needsMore = std::move(needsMore);
}

void ConsoleWidget::setPrompt(const QString& prompt) { m_input->setPlaceholderText(prompt); }

ConsoleWidget::Printer ConsoleWidget::printer()
{
    QPointer<ConsoleWidget> self(this);
    return [self](const QString& text, OutputKind kind) {
        // Posted: the evaluator may print from an engine thread.
        QMetaObject::invokeMethod(
            self.data(),
            [self, text, kind] {
                if (self)
                    self->appendOutput(text, kind);
            },
            Qt::QueuedConnection);
    };
}

void ConsoleWidget::evaluate(const QString& code)
{
    m_history.append(code);
    m_historyPos = int(m_history.size());
    const Theme& th = Theme::current();
    m_output->append(QStringLiteral("<span style='color:%1'>iex(%2)&gt;</span> %3")
                         .arg(th.subtleText.name())
                         .arg(m_counter++)
                         .arg(code.toHtmlEscaped().replace(QLatin1Char('\n'), QStringLiteral("<br>"))));
    if (!m_evaluator) {
        appendOutput(tr("The Elixir interpreter is not part of this build yet; nothing was evaluated."),
            OutputKind::Error);
        return;
    }
    m_evaluator(code, printer());
}

void ConsoleWidget::appendOutput(const QString& text, OutputKind kind)
{
    const Theme& th = Theme::current();
    QString html = text.toHtmlEscaped();
    // Pids become links that select the process.
    static const QRegularExpression pidRe(QStringLiteral("#PID&lt;0\\.(\\d+)\\.0&gt;"));
    html.replace(pidRe, QStringLiteral("<a href='pid:\\1'>#PID&lt;0.\\1.0&gt;</a>"));
    html.replace(QLatin1Char('\n'), QStringLiteral("<br>"));
    html.replace(QStringLiteral("  "), QStringLiteral("&nbsp; "));
    QColor color = th.text;
    switch (kind) {
    case OutputKind::Error:
        color = th.signalKill;
        break;
    case OutputKind::Info:
        color = th.subtleText;
        break;
    case OutputKind::Stdout:
        color = th.text;
        break;
    case OutputKind::Result:
        color = th.linkEdge;
        break;
    }
    m_output->append(QStringLiteral("<span style='color:%1'>%2</span>").arg(color.name(), html));
}

void ConsoleWidget::clear() { m_output->clear(); }

QString ConsoleWidget::plainText() const { return m_output->toPlainText(); }

bool ConsoleWidget::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_input && event->type() == QEvent::KeyPress && !m_history.isEmpty()) {
        auto* ke = static_cast<QKeyEvent*>(event);
        if (ke->key() == Qt::Key_Up || ke->key() == Qt::Key_Down) {
            m_historyPos = std::clamp(m_historyPos + (ke->key() == Qt::Key_Up ? -1 : 1), 0, int(m_history.size()));
            m_input->setText(m_historyPos < m_history.size() ? m_history[m_historyPos] : QString());
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace vigil
