#pragma once

#include <QString>
#include <QStringList>

#include <torch/torch.h>

namespace mc {

/// A folder of labelled images as torchvision's ImageFolder reads one: one
/// sub-folder per class, named as the class, holding PNG or JPEG files. The
/// classes are the sub-folders in name order (label 0 first), the images each
/// class's files in name order. Decoding is Qt's (QImage, with no display),
/// so that the command line reads the same images as the window.
struct ImageFolder
{
    torch::Tensor images; ///< float32 [N, channels·height·width] in 0..1, channel-major per image.
    torch::Tensor labels; ///< int64 [N].
    QStringList classes;  ///< Label 0 first.
    int sourceWidth = 0;  ///< The files' own size (they all have one).
    int sourceHeight = 0;

    /// Reads `folder`. Each image becomes `channels` (1: grey, 3: RGB)
    /// planes of height × width, scaled smoothly when its own size differs.
    /// With `classes` given (a test folder), the labels are those of the
    /// training set's classes by name, and every class folder must be one of
    /// them. Throws DataError with one sentence naming the folder or file: no
    /// class folders, one class, a class folder without images, a file that
    /// does not decode, a file whose size differs from the first's.
    static ImageFolder read(const QString &folder, int channels, int height, int width,
                            const QStringList &classes = {});

    /// The file names it reads: PNG and JPEG, by extension.
    static bool isImageFile(const QString &fileName);
};

} // namespace mc
