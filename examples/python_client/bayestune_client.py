#!/usr/bin/python3
"""A Python client of `bayestune serve`: asks for trials, trains, reports, completes.

Training code that wants to ask for its parameters itself (the Vizier way) does what this file
does: SuggestTrials with a client id, AddMeasurement as training goes (asking ShouldStopTrial on
the way), then CompleteTrial, until the study is done. train() is a stand-in for your training.

Needs Debian's python3-grpcio and python3-grpc-tools (run it with /usr/bin/python3). The Python
stubs are generated from proto/bayestune/v1/study_service.proto at start, into a temporary
folder; nothing generated is kept.

    bayestune serve --db studies.db --listen 127.0.0.1:50051 &
    examples/python_client/bayestune_client.py --server 127.0.0.1:50051 --study demo \\
        --create examples/book/tuning.yaml --trials 5

A study of several metrics (tuning.yaml's `metrics`, such as examples/two_objective/tuning.yaml)
gets a value of every metric at each step and prints its Pareto front at the end.
"""

import argparse
import atexit
import math
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_PROTO_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "proto"))
PROTO_FILE = "bayestune/v1/study_service.proto"


def load_stubs(proto_dir):
    """Generates the Python code of the service into a temporary folder and imports it."""
    try:
        from grpc_tools import protoc
    except ImportError:
        sys.exit("bayestune_client: grpc_tools is missing; install python3-grpc-tools "
                 "and run this with /usr/bin/python3")
    if not os.path.isfile(os.path.join(proto_dir, PROTO_FILE)):
        sys.exit(f"bayestune_client: no {PROTO_FILE} under {proto_dir}; give --proto-dir")
    out = tempfile.mkdtemp(prefix="bayestune-stubs-")
    atexit.register(shutil.rmtree, out, True)
    status = protoc.main(["protoc", f"--proto_path={proto_dir}", f"--python_out={out}",
                          f"--grpc_python_out={out}", PROTO_FILE])
    if status != 0:
        sys.exit(f"bayestune_client: protoc failed on {PROTO_FILE} (status {status})")
    sys.path.insert(0, out)
    from bayestune.v1 import study_service_pb2, study_service_pb2_grpc
    return study_service_pb2, study_service_pb2_grpc


def parameter_values(trial):
    """The trial's parameters as a dict of name -> float, int or str."""
    values = {}
    for p in trial.parameters:
        values[p.name] = getattr(p, p.WhichOneof("value"))
    return values


def train(params, step):
    """A stand-in for training: a made-up metric that rises with the step."""
    score = 0.0
    for name, value in sorted(params.items()):
        if isinstance(value, str):
            score += 0.1 * (len(value) % 3)
        else:
            score += math.cos(math.log1p(abs(float(value))))
    return (1.0 - math.exp(-step)) * (1.0 + math.tanh(score)) / 2.0


def describe(trial):
    """The trial's value, or each metric's value ("accuracy 0.9, cost 2.1") for several; for a
    trial that did not succeed, its state and why (it printed "-> 0")."""
    if trial.state != type(trial).SUCCEEDED:
        return f"{type(trial).State.Name(trial.state)}: {trial.failure_reason}"
    if trial.final_measurements:
        return ", ".join(f"{m.metric} {m.value:.6g}" for m in trial.final_measurements)
    return f"{trial.final_measurement.value:.6g}"


def cost(params, k):
    """A stand-in for the other metrics of a multi-objective study (a size, a time): made up."""
    return k + sum(abs(math.log1p(abs(float(v)))) for v in params.values()
                   if not isinstance(v, str))


def whole_number(least):
    """An argparse type: a whole number of `least` or more (--steps 0 completed trials that had
    no measurement, which failed, and --trials -1 ran none)."""
    def parse(text):
        try:
            number = int(text)
        except ValueError:
            number = None
        if number is None or number < least:
            raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of {least} or more")
        return number
    return parse


def read_file(parser, flag, path, mode="r"):
    """The file's text (bytes for mode "rb"), or a usage error naming the flag (a missing
    --create file ended the client with a Python traceback)."""
    try:
        with open(path, mode) as f:
            return f.read()
    except OSError as e:
        parser.error(f"{flag} {path}: {e.strerror}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", required=True, help="host:port of bayestune serve")
    parser.add_argument("--study", required=True, help="the study's name")
    parser.add_argument("--create", metavar="TUNING_YAML",
                        help="create the study from this tuning.yaml first (the same spec again "
                             "just opens it)")
    parser.add_argument("--trials", type=whole_number(0), default=0,
                        help="stop after this many trials (0: until the study is done)")
    parser.add_argument("--steps", type=whole_number(1), default=3,
                        help="measurements per trial")
    parser.add_argument("--client-id", default=f"python-{os.getpid()}",
                        help="this client's id: asking again while a trial is active gives "
                             "that trial back")
    parser.add_argument("--token-file", help="file with the server's bearer token")
    parser.add_argument("--tls-ca", metavar="PEM",
                        help="connect with TLS, trusting this certificate (the server's own, "
                             "when self-signed)")
    parser.add_argument("--proto-dir", default=DEFAULT_PROTO_DIR,
                        help="the folder that holds bayestune/v1/study_service.proto")
    args = parser.parse_args()

    import grpc
    pb, pb_grpc = load_stubs(args.proto_dir)

    metadata = []
    if args.token_file:
        token = read_file(parser, "--token-file", args.token_file).split("\n")[0].strip()
        metadata.append(("authorization", "Bearer " + token))
    if args.tls_ca:
        ca = read_file(parser, "--tls-ca", args.tls_ca, "rb")
        # gRPC takes empty root certificates for "trust the system's CAs".
        if b"-----BEGIN CERTIFICATE-----" not in ca:
            parser.error(f"--tls-ca {args.tls_ca} holds no certificate; give the server's PEM "
                         "certificate (or its CA's)")
        credentials = grpc.ssl_channel_credentials(root_certificates=ca)
        channel = grpc.secure_channel(args.server, credentials)
    else:
        channel = grpc.insecure_channel(args.server)
    stub = pb_grpc.StudyServiceStub(channel)

    def call(method, request):
        try:
            return method(request, metadata=metadata, timeout=60)
        except grpc.RpcError as e:
            sys.exit(f"bayestune_client: {request.DESCRIPTOR.name[:-len('Request')]} failed: "
                     f"{e.code().name}: {e.details()}")

    if args.create:
        call(stub.CreateStudy, pb.CreateStudyRequest(
            name=args.study, tuning_yaml=read_file(parser, "--create", args.create)))

    # A study of several metrics (spec.metrics) gets a value of each at every step; the first
    # is train()'s. Its optimal trials are the Pareto front.
    spec = call(stub.GetStudy, pb.GetStudyRequest(name=args.study)).spec
    metrics = [m.metric_id for m in spec.metrics]

    done = 0
    while args.trials == 0 or done < args.trials:
        response = call(stub.SuggestTrials,
                        pb.SuggestTrialsRequest(study=args.study, count=1,
                                                client_id=args.client_id))
        if not response.trials:
            print("the study is done" if response.study_done else "no trial to run now")
            break
        trial = response.trials[0]
        params = parameter_values(trial)
        stopped = False
        promoted = set()
        for step in range(1, args.steps + 1):
            value = train(params, step)
            if len(metrics) < 2:
                call(stub.AddMeasurement, pb.AddMeasurementRequest(
                    study=args.study, trial_id=trial.id, step=step, value=value))
            else:
                values = [value] + [cost(params, k) for k in range(1, len(metrics))]
                call(stub.AddMeasurements, pb.AddMeasurementsRequest(
                    study=args.study, trial_id=trial.id,
                    measurements=[pb.Measurement(metric=m, step=step, value=v)
                                  for m, v in zip(metrics, values)]))
            if step == args.steps:
                continue
            decision = call(stub.ShouldStopTrial, pb.ShouldStopTrialRequest(
                study=args.study, trial_id=trial.id))
            # ASHA lists every rung the trial was let past each time: say each once.
            for promotion in decision.promotions:
                if promotion.rung not in promoted:
                    promoted.add(promotion.rung)
                    print(f"trial {trial.id} promoted past {promotion.reason}")
            if decision.should_stop:
                print(f"trial {trial.id} stopping: {decision.reason}")
                stopped = True
                break
        # Without final_value the server takes the objective from the measurements.
        completed = call(stub.CompleteTrial,
                         pb.CompleteTrialRequest(study=args.study, trial_id=trial.id))
        done += 1
        print(f"trial {completed.id}: {params} -> {describe(completed)}"
              f"{' (stopped early)' if stopped else ''}")

    # The best trial (several on a tie), or a multi-objective study's Pareto front.
    best = call(stub.ListOptimalTrials, pb.ListOptimalTrialsRequest(study=args.study))
    label = "pareto-optimal" if len(metrics) >= 2 else "best"
    for trial in best.trials:
        print(f"{label}: trial {trial.id}: {parameter_values(trial)} -> {describe(trial)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
