#pragma once

#include <string>

#include "dataset.h"

namespace bayestune {

// The digits dataset (examples/data/README.md): rows of 64 pixel counts 0..16 and a label 0..9,
// comma separated, gzip compressed or not. Pixels are scaled by 1/16. Throws
// TrainerError(kDataError) naming the file, line and column of the first problem.
Dataset LoadDigitsCsv(const std::string& path);

// Splits the digits rows into training and validation by a fixed permutation (it does not depend
// on the trainer's --seed): 360 validation rows of the 1,797, the same on every machine.
TrainingData SplitDigits(const Dataset& all, const std::string& path);

// MNIST-format IDX files in `dir`: train-images-idx3-ubyte and train-labels-idx1-ubyte for
// training, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte for validation (also with '.'
// instead of the last '-', and gzip compressed with a .gz suffix). Pixels are scaled by 1/255.
// Throws TrainerError(kDataError) naming the file and what is wrong.
TrainingData LoadMnistIdx(const std::string& dir);

// The data bayestune-mlp trains on. `data_flag` (--data), else the environment variable
// BAYESTUNE_MLP_DATA, else the digits dataset in the source tree the trainer was built from. Each
// names either a folder of IDX files or a digits-format CSV file.
TrainingData LoadTrainingData(const std::string& data_flag);

// Where the trainer looks for the digits dataset when neither --data nor BAYESTUNE_MLP_DATA is
// given (compiled in from the source tree).
std::string DefaultDataPath();

}  // namespace bayestune
