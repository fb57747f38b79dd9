// export_reference EXAMPLES_DIR OUT_DIR: for each of the shipped examples,
// writes OUT_DIR/<name>.pt (TorchScriptExporter, weights from seed 0, as
// `modelcomposer-cli export --seed 0` writes them) and OUT_DIR/<name>.json with
// an input batch and the output the module tree computes for it, in eval mode.
// check_export.py compares what PyTorch computes from the .pt with that output.

#include "analysis/Analysis.h"
#include "build/ModelBuilder.h"
#include "document/ProjectFile.h"
#include "export/TorchScriptExporter.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

#include <torch/torch.h>

using namespace mc;

namespace {

/// One row per sample, the sample's values in row-major order.
QJsonArray rows(const torch::Tensor &t)
{
    const torch::Tensor c = t.contiguous().to(torch::kDouble).flatten(1);
    QJsonArray out;
    for (int64_t r = 0; r < c.size(0); ++r) {
        QJsonArray row;
        for (int64_t k = 0; k < c.size(1); ++k)
            row.append(c[r][k].item<double>());
        out.append(row);
    }
    return out;
}

QJsonArray shape(const torch::Tensor &t)
{
    QJsonArray out;
    for (int64_t d : t.sizes())
        out.append(qint64(d));
    return out;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QTextStream err(stderr);
    const QStringList args = app.arguments();
    if (args.size() != 3) {
        err << "usage: export_reference EXAMPLES_DIR OUT_DIR\n";
        return 2;
    }
    const QDir examples(args.at(1));
    const QDir out(args.at(2));
    if (!QDir().mkpath(out.path())) {
        err << "error: cannot create " << out.path() << "\n";
        return 1;
    }
    torch::set_num_threads(1);
    for (const QString &name : {QStringLiteral("encoder-decoder"), QStringLiteral("configurable-blocks"),
                                QStringLiteral("shared-block"), QStringLiteral("lenet"),
                                QStringLiteral("conv-autoencoder")}) {
        try {
            const ProjectData project = ProjectFile::load(examples.filePath(name + QStringLiteral(".mcproj")));
            const CheckedModel model = CheckedModel::check(project);
            ComposedModule module = ModelBuilder::build(model, 0);
            module->eval();
            QString error;
            if (!TorchScriptExporter::save(model, module, out.filePath(name + QStringLiteral(".pt")), &error)) {
                err << "error: " << error << "\n";
                return 1;
            }
            torch::NoGradGuard noGrad;
            torch::manual_seed(1234);
            const torch::Tensor x = torch::randn(model.root().inputs.value(0).batched(8));
            const torch::Tensor y = module->forward(x);
            QJsonObject json{{QStringLiteral("project"), name},
                             {QStringLiteral("seed"), 0},
                             {QStringLiteral("input"), rows(x)},
                             {QStringLiteral("input_shape"), shape(x)},
                             {QStringLiteral("output"), rows(y)},
                             {QStringLiteral("output_shape"), shape(y)}};
            QFile file(out.filePath(name + QStringLiteral(".json")));
            if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
                file.write(QJsonDocument(json).toJson()) < 0) {
                err << "error: cannot write " << file.fileName() << "\n";
                return 1;
            }
        } catch (const std::exception &e) {
            err << "error: " << name << ": " << e.what() << "\n";
            return 1;
        }
    }
    return 0;
}
