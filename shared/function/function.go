// Package function is an adapter: it starts a Lambda: the AWS configuration from the
// environment, the handler its package builds, and lambda.Start. The local
// runner and tests build the same handlers in-process with the same Builder.
package function

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/tredjepart/tredjepart/shared/awsenv"
	"github.com/tredjepart/tredjepart/shared/tracing"
)

// Builder makes a function's handler (anything lambda.Start takes) from its
// environment, the same way on AWS, under the Lambda emulator and in-process.
type Builder func(ctx context.Context, cfg aws.Config, getenv func(string) string, logger *slog.Logger) (any, error)

// Start runs the function named name, logging JSON to stdout at the level
// LogLevel finds in the environment, each line with its trace id, and
// tracing every AWS SDK call (package tracing); it exits if the function
// cannot be configured.
func Start(name string, build Builder) {
	level, levelErr := LogLevel(os.Getenv)
	logger := NewLogger(os.Stdout, level, name)
	if levelErr != nil {
		logger.Warn("log level", "error", levelErr, "using", level)
	}
	cfg, err := awsenv.FromProcess()
	if err != nil {
		logger.Error("load AWS config", "error", err)
		os.Exit(1)
	}
	recorder, err := tracing.FromEnv(os.Getenv)
	if err != nil {
		logger.Error("tracing", "error", err)
		os.Exit(1)
	}
	tracing.Instrument(&cfg, recorder)
	handler, err := build(context.Background(), cfg, os.Getenv, logger)
	if err != nil {
		logger.Error("configure", "error", err)
		os.Exit(1)
	}
	lambda.Start(handler)
}

// NewLogger is a function's logger: JSON lines to w at level, each with the
// function's name and the trace id of the context it is logged in.
func NewLogger(w io.Writer, level slog.Leveler, name string) *slog.Logger {
	return slog.New(tracing.LogHandler(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))).With("function", name)
}

// Environment variables that set the log level. Lambda sets
// AWS_LAMBDA_LOG_LEVEL from the function's LoggingConfig (JSON format with an
// application log level), so the console and the code agree; LOG_LEVEL is the
// stack's own setting, used where Lambda sets none (the local stack).
const (
	lambdaLogLevelEnv = "AWS_LAMBDA_LOG_LEVEL"
	LogLevelEnv       = "LOG_LEVEL"
)

// lambdaLevels are Lambda's application log levels that slog does not name.
var lambdaLevels = map[string]slog.Level{"TRACE": slog.LevelDebug - 4, "FATAL": slog.LevelError + 4}

// LogLevel is the level named by AWS_LAMBDA_LOG_LEVEL, else LOG_LEVEL, else
// INFO. A name it does not know gives INFO and an error saying so.
func LogLevel(getenv func(string) string) (slog.Level, error) {
	name, from := getenv(lambdaLogLevelEnv), lambdaLogLevelEnv
	if name == "" {
		name, from = getenv(LogLevelEnv), LogLevelEnv
	}
	if name == "" {
		return slog.LevelInfo, nil
	}
	if level, ok := lambdaLevels[strings.ToUpper(name)]; ok {
		return level, nil
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(name)); err != nil {
		return slog.LevelInfo, fmt.Errorf("%s=%q is no log level (TRACE, DEBUG, INFO, WARN, ERROR or FATAL)", from, name)
	}
	return level, nil
}
