#include "CliCommands.h"

#include "CliOutput.h"

#include "analysis/Analysis.h"
#include "EvaluateCommand.h"
#include "ExportCommand.h"
#include "TrainCommand.h"
#include "document/ProjectFile.h"
#include "layers/LayerRegistry.h"

#include <QTextStream>

namespace mc {

namespace {

QTextStream &out()
{
    static QTextStream s(stdout);
    return s;
}

QTextStream &err()
{
    static QTextStream s(stderr);
    return s;
}

const char *kUsage = R"(Usage: modelcomposer-cli COMMAND [OPTIONS]

Commands:
  summary PROJECT      Print the model summary of a .mcproj project: one row per
                       module instance with its type, parameters, trainable flag
                       and sizes, then the totals.
  train PROJECT [OPTIONS]
                       Train the model with the project's training settings
                       (docs/training.md); one line per epoch, then the total
                       time. Each setting has a flag:
      --epochs N  --batch-size N  --lr X  --seed N  --limit-train-batches N
      --val-split F  --shuffle | --no-shuffle  --threads N
      --loss mse|l1|smooth_l1|bce|bce_with_logits|cross_entropy|nll
      --optimizer adam|adamw|sgd|rmsprop  --weight-decay X  --momentum X
      --nesterov | --no-nesterov  --clip-norm X  --patience N
      --keep-best-weights | --keep-last-weights   (with --patience)
      --schedule none|step|cosine  --step-size N  --gamma X
      --data-kind random_binary|random_normal|blobs|teacher|reconstruction|csv|
                  fashion_mnist|idx|image_folder  --samples N
      --data FILE.csv  --inputs A,B,...  --targets A,B,...
      --data-kind idx --data IMAGES --labels LABELS   (IDX files, gzipped or not)
      --data-kind fashion_mnist [--data FOLDER]   (Debian's dataset-fashion-mnist)
      --data-kind image_folder --data FOLDER   (a sub-folder of PNG/JPEG per class)
    the test set (judged at the end; accuracy, per class and confusion matrix):
      --test-set none|own|share|file  --test-share F  --test-each-epoch
      --test-data FILE [--test-labels LABELS]   (a second CSV, or IDX files)
    and outputs:
      --metrics FILE.csv      a row per step: epoch,step,train_loss and, on an
                              epoch's last row, val_loss,val_accuracy,
                              test_loss,test_accuracy
      --checkpoint-dir DIR    write DIR/last.ckpt (after epochs and at the end)
      --resume CHECKPOINT     continue a run from its checkpoint
      --export OUT.pt         write the trained model as TorchScript
      --progress-json         progress as one JSON line per report
    on several processes (docs/distributed.md; also torchrun's RANK,
    WORLD_SIZE, MASTER_ADDR, MASTER_PORT environment):
      --nproc-per-node N      start N local workers and wait for them
      --world-size N --rank R --master-addr HOST --master-port PORT
      --dist-timeout S (20)   --join-timeout S (300)
  evaluate PROJECT [--checkpoint CHECKPOINT] [data flags of train] [--json]
                       Judge the model on its test set (every row of the data
                       when the project names none) with a checkpoint's weights
                       or those training starts from: the metrics, and for
                       classes the per-class table and the confusion matrix;
                       --json prints them as one JSON object.
  layers               Print the built-in layers as a Markdown table: ports,
                       options with their defaults, what each does.
  export PROJECT -o OUT.pt [--checkpoint CHECKPOINT] [--seed N]
                       Write the model as TorchScript (torch.jit.load opens it)
                       with the project inside. The weights are those training
                       starts from with the seed (default: the project's training
                       seed), or those of a checkpoint written by `train`.
  export PROJECT --format python -o OUT.py [--checkpoint CHECKPOINT | --seed N]
                       Write the model as readable PyTorch: nn.Module classes,
                       a LightningModule and its training; with --checkpoint or
                       --seed also OUT.weights.pt, which the code loads.

Options:
  -h, --help           Show this help.
  -v, --version        Show the version.
)";

int usageError(const QString &message)
{
    return CliOutput::usageError(err(), QString(), message);
}

int failure(const QString &message)
{
    return CliOutput::failure(out(), err(), message);
}

int summary(const QStringList &args)
{
    if (args.size() != 1)
        return usageError(QStringLiteral("summary takes one PROJECT file"));
    ProjectData project;
    try {
        project = ProjectFile::load(args.first());
    } catch (const ProjectFormatError &e) {
        return failure(e.message());
    }
    const Analysis analysis(project);
    if (analysis.hasErrors()) {
        const QStringList lines = analysis.errorLines();
        for (const QString &line : lines)
            err() << "  " << line << "\n";
        return failure(QStringLiteral("%1 has %2 problem(s); the model cannot be built")
                           .arg(args.first()).arg(lines.size()));
    }
    out() << analysis.summaryTable();
    out().flush();
    return 0;
}

} // namespace

int runCli(const QStringList &arguments)
{
    QStringList args = arguments.mid(1);
    if (args.isEmpty())
        return usageError(QStringLiteral("missing COMMAND"));
    const QString command = args.takeFirst();
    if (command == QLatin1String("-h") || command == QLatin1String("--help") || command == QLatin1String("help")) {
        out() << kUsage;
        out().flush();
        return 0;
    }
    if (command == QLatin1String("-v") || command == QLatin1String("--version")) {
        out() << "modelcomposer-cli " << MODELCOMPOSER_VERSION << "\n";
        out().flush();
        return 0;
    }
    if (args.contains(QLatin1String("--help")) || args.contains(QLatin1String("-h"))) {
        out() << kUsage;
        out().flush();
        return 0;
    }
    if (command == QLatin1String("summary"))
        return summary(args);
    if (command == QLatin1String("layers")) {
        if (!args.isEmpty())
            return usageError(QStringLiteral("layers takes no arguments"));
        out() << mc::LayerRegistry::markdownTable();
        out().flush();
        return 0;
    }
    if (command == QLatin1String("train"))
        return TrainCommand::run(args, out(), err());
    if (command == QLatin1String("export"))
        return ExportCommand::run(args, out(), err());
    if (command == QLatin1String("evaluate"))
        return EvaluateCommand::run(args, out(), err());
    return usageError(QStringLiteral("unknown command '%1'").arg(command));
}

} // namespace mc
