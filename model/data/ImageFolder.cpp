#include "data/ImageFolder.h"

#include "data/DataError.h"

#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QImageReader>

#include <cstring>

namespace mc {

namespace {

QString shown(const QString &path)
{
    return QDir::toNativeSeparators(path);
}

/// The image folders of `dir`, in name order (hidden ones left out).
QStringList classFolders(const QDir &dir)
{
    return dir.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
}

QStringList imageFiles(const QDir &dir)
{
    QStringList files;
    for (const QString &name : dir.entryList(QDir::Files, QDir::Name))
        if (ImageFolder::isImageFile(name))
            files.append(name);
    return files;
}

} // namespace

bool ImageFolder::isImageFile(const QString &fileName)
{
    const QString suffix = QFileInfo(fileName).suffix().toLower();
    return suffix == QLatin1String("png") || suffix == QLatin1String("jpg") || suffix == QLatin1String("jpeg");
}

ImageFolder ImageFolder::read(const QString &folder, int channels, int height, int width, const QStringList &classes)
{
    if (channels != 1 && channels != 3)
        throw DataError(QStringLiteral("An image folder fills an input of 1 (grey) or 3 (RGB) channels; the model's "
                                       "input has %1.").arg(channels));
    if (height < 1 || width < 1)
        throw DataError(QStringLiteral("An image folder needs the model's input size ([C, H, W])."));
    const QFileInfo info(folder);
    if (!info.isDir())
        throw DataError(QStringLiteral("%1 is not a folder.").arg(shown(folder)));
    const QDir dir(folder);

    // The classes and their files, checked before anything is decoded.
    ImageFolder out;
    QStringList folders;
    QList<QStringList> files;
    qint64 total = 0;
    for (const QString &name : classFolders(dir)) {
        const QStringList images = imageFiles(QDir(dir.filePath(name)));
        if (images.isEmpty())
            throw DataError(QStringLiteral("%1 holds no PNG or JPEG image: every class folder needs some.")
                                .arg(shown(dir.filePath(name))));
        folders.append(name);
        files.append(images);
        total += images.size();
    }
    out.classes = folders;
    if (out.classes.isEmpty())
        throw DataError(QStringLiteral("%1 holds no class folders: an image folder has one sub-folder of PNG or JPEG "
                                       "images per class, named as the class.")
                            .arg(shown(folder)));
    std::vector<int64_t> labelOf(size_t(out.classes.size()));
    if (classes.isEmpty()) {
        if (out.classes.size() < 2)
            throw DataError(QStringLiteral("%1 has one class folder (%2); a classifier needs two or more.")
                                .arg(shown(folder), out.classes.first()));
        for (size_t k = 0; k < labelOf.size(); ++k)
            labelOf[k] = int64_t(k);
    } else {
        for (qsizetype k = 0; k < out.classes.size(); ++k) {
            const qsizetype label = classes.indexOf(out.classes.at(k));
            if (label < 0)
                throw DataError(QStringLiteral("%1 is a class the training images do not have (they have %2).")
                                    .arg(shown(dir.filePath(out.classes.at(k))), classes.join(QStringLiteral(", "))));
            labelOf[size_t(k)] = label;
        }
        out.classes = classes;
    }

    const int64_t plane = int64_t(height) * width;
    out.images = torch::empty({total, channels * plane}, torch::kFloat32);
    out.labels = torch::empty({total}, torch::kInt64);
    float *x = out.images.data_ptr<float>();
    int64_t *y = out.labels.data_ptr<int64_t>();
    const QImage::Format format = channels == 1 ? QImage::Format_Grayscale8 : QImage::Format_RGB888;
    int64_t row = 0;
    for (qsizetype c = 0; c < files.size(); ++c) {
        const QDir classDir(dir.filePath(folders.at(c)));
        for (const QString &name : files.at(c)) {
            const QString path = classDir.filePath(name);
            QImageReader reader(path);
            reader.setAutoTransform(true); // a JPEG's orientation, as viewers show it
            QImage image = reader.read();
            if (image.isNull()) {
                QString why = reader.errorString().trimmed();
                while (why.endsWith(QLatin1Char('.')))
                    why.chop(1);
                throw DataError(QStringLiteral("%1 cannot be read as an image: %2.").arg(shown(path), why));
            }
            if (row == 0) {
                out.sourceWidth = image.width();
                out.sourceHeight = image.height();
            } else if (image.width() != out.sourceWidth || image.height() != out.sourceHeight) {
                throw DataError(QStringLiteral("%1 is %2×%3, the folder's first image %4×%5: the images of a data "
                                               "set have one size.")
                                    .arg(shown(path)).arg(image.width()).arg(image.height())
                                    .arg(out.sourceWidth).arg(out.sourceHeight));
            }
            image = image.convertToFormat(format);
            if (image.width() != width || image.height() != height)
                image = image.scaled(width, height, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
            // Interleaved bytes (RGBRGB…) to planes (RR…GG…BB…), as torchvision's ToTensor lays them out.
            float *sample = x + row * channels * plane;
            for (int r = 0; r < height; ++r) {
                const uchar *line = image.constScanLine(r);
                for (int col = 0; col < width; ++col)
                    for (int ch = 0; ch < channels; ++ch)
                        sample[ch * plane + int64_t(r) * width + col] = float(line[col * channels + ch]) / 255.0f;
            }
            y[row] = labelOf[size_t(c)];
            ++row;
        }
    }
    return out;
}

} // namespace mc
