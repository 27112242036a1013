package main

import (
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/jsii-runtime-go"

	"github.com/tredjepart/tredjepart/shared/metrics"
	"github.com/tredjepart/tredjepart/shared/resources"
)

// DashboardWidgets are the titles of the dashboard's widgets, in order: the
// runbook (docs/operations.md, "Reading the dashboard") explains each.
var DashboardWidgets = []string{
	"The 09:00 run: metering points due and done, by minute",
	"Documents delivered, by kind",
	"Queues: messages waiting",
	"Queues: age of the oldest message (s)",
	"Dead-letter queues: messages",
	"Webhook pushes, by outcome",
	"API latency (ms): p50, p95, p99",
	"API answers: 4xx and 5xx",
	"API by route: latency (ms) and 5xx (access log)",
	"Access request expiry executions",
	"Access requests, by outcome",
	"Ingest items, by outcome",
	"Errors by function",
	"Throttles by function",
}

// dashboardPeriod is the resolution of the graphs: Lambda, SQS and the
// business metrics publish a point a minute.
const dashboardPeriod = time.Minute

// addDashboard makes the operators' one dashboard, from the same
// resources and metric names as the alarms; the alarms are shown on it.
func (s *Tredjepart) addDashboard() {
	widgets := []awscloudwatch.IWidget{
		graph(DashboardWidgets[0], []awscloudwatch.IMetric{
			labelled(businessMetric(metrics.DeliveryPointsDue, dashboardPeriod), "due"),
			labelled(businessMetric(metrics.DeliveryPointsDone, dashboardPeriod), "done"),
			labelled(businessMetric(metrics.DeliveryPointsDone, dashboardPeriod, metrics.Outcome(metrics.DueAwaited)), "awaited (values not in)"),
		}),
		graph(DashboardWidgets[1], byDimension(metrics.DocumentsDelivered, metrics.Kind,
			metrics.KindDaily, metrics.KindLate, metrics.KindCorrection, metrics.KindMasterData, metrics.KindNotification)),
	}
	var depth, age, dead []awscloudwatch.IMetric
	maximum := &awscloudwatch.MetricOptions{Period: duration(dashboardPeriod), Statistic: jsii.String("Maximum")}
	for _, spec := range resources.Queues {
		q := lookup(s.queues, "queue", spec.ID).construct
		depth = append(depth, labelled(q.MetricApproximateNumberOfMessagesVisible(maximum), spec.ID))
		age = append(age, labelled(q.MetricApproximateAgeOfOldestMessage(maximum), spec.ID))
		dead = append(dead, labelled(q.DeadLetterQueue().Queue.MetricApproximateNumberOfMessagesVisible(maximum), spec.DeadLetter.ID))
	}
	widgets = append(widgets, graph(DashboardWidgets[2], depth), graph(DashboardWidgets[3], age), graph(DashboardWidgets[4], dead),
		graph(DashboardWidgets[5], append(byDimension(metrics.WebhookPushes, metrics.Outcome,
			metrics.Push2xx, metrics.Push4xx, metrics.Push410, metrics.Push5xx, metrics.PushTimeout, metrics.PushRefused, metrics.PushError),
			labelled(businessMetric(metrics.WebhookFailingForAnHour, dashboardPeriod), "failing for an hour"))))

	var latency []awscloudwatch.IMetric
	for _, p := range []string{"p50", "p95", "p99"} {
		latency = append(latency, labelled(s.api.MetricLatency(&awscloudwatch.MetricOptions{Period: duration(dashboardPeriod), Statistic: jsii.String(p)}), p))
	}
	sum := &awscloudwatch.MetricOptions{Period: duration(dashboardPeriod), Statistic: jsii.String("Sum")}
	widgets = append(widgets, graph(DashboardWidgets[6], latency),
		graph(DashboardWidgets[7], []awscloudwatch.IMetric{labelled(s.api.MetricClientError(sum), "4xx"), labelled(s.api.MetricServerError(sum), "5xx")}),
		// By route from the access log: route-level metrics (the stage's
		// detailed metrics) would be custom metrics per route, paid for.
		awscloudwatch.NewLogQueryWidget(&awscloudwatch.LogQueryWidgetProps{
			Title:         jsii.String(DashboardWidgets[8]),
			LogGroupNames: jsii.Strings(*s.apiLogs.LogGroupName()),
			QueryLines: jsii.Strings(
				"fields route, latency, status",
				"stats count(*) as requests, pct(latency, 50) as p50, pct(latency, 95) as p95, pct(latency, 99) as p99, "+
					"sum(status >= 500) as server_errors by route",
				"sort p95 desc",
			),
			Width: jsii.Number(24),
		}))

	m := lookup(s.stateMachines, "state machine", resources.ExpiryStateMachineID).construct
	widgets = append(widgets,
		graph(DashboardWidgets[9], []awscloudwatch.IMetric{
			labelled(m.MetricStarted(sum), "started"), labelled(m.MetricSucceeded(sum), "succeeded"),
			labelled(m.MetricFailed(sum), "failed"), labelled(m.MetricTimedOut(sum), "timed out"), labelled(m.MetricAborted(sum), "aborted"),
		}),
		graph(DashboardWidgets[10], byDimension(metrics.AccessRequests, metrics.Outcome,
			metrics.RequestCreated, metrics.RequestApproved, metrics.RequestRejected, metrics.RequestExpired, metrics.RequestWithdrawn)),
		graph(DashboardWidgets[11], []awscloudwatch.IMetric{
			labelled(businessMetric(metrics.IngestItems, dashboardPeriod, metrics.Kind(metrics.KindMasterData), metrics.Outcome(metrics.Accepted)), "master data accepted"),
			labelled(businessMetric(metrics.IngestItems, dashboardPeriod, metrics.Kind(metrics.KindMeterValues), metrics.Outcome(metrics.Accepted)), "meter values accepted"),
			labelled(businessMetric(metrics.IngestItems, dashboardPeriod), "all items"),
			labelled(businessMetric(metrics.ReadsLogged, dashboardPeriod), "reads logged"),
		}))
	var errs, throttles []awscloudwatch.IMetric
	for _, spec := range resources.Functions {
		fn := lookup(s.functions, "function", spec.ID)
		errs = append(errs, labelled(fn.MetricErrors(sum), spec.ID))
		throttles = append(throttles, labelled(fn.MetricThrottles(sum), spec.ID))
	}
	widgets = append(widgets, graph(DashboardWidgets[12], errs), graph(DashboardWidgets[13], throttles))

	var alarms []interfacesawscloudwatch.IAlarmRef
	for _, a := range resources.Alarms {
		alarms = append(alarms, s.alarms[a.ID])
	}
	status := awscloudwatch.NewAlarmStatusWidget(&awscloudwatch.AlarmStatusWidgetProps{
		Title: jsii.String("Alarms"), Alarms: &alarms, Width: jsii.Number(24),
	})
	s.dashboard = awscloudwatch.NewDashboard(s.stack, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DashboardName:   jsii.String(*s.stack.StackName() + "-operations"),
		DefaultInterval: duration(3 * time.Hour),
		Widgets:         &[]*[]awscloudwatch.IWidget{{status}, &widgets},
	})
}

// graph is a half-width line graph.
func graph(title string, lines []awscloudwatch.IMetric) awscloudwatch.GraphWidget {
	return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
		Title: jsii.String(title), Left: &lines, Width: jsii.Number(12), Height: jsii.Number(6),
	})
}

// labelled is m with a legend label.
func labelled(m awscloudwatch.IMetric, label string) awscloudwatch.IMetric {
	switch m := m.(type) {
	case awscloudwatch.Metric:
		return m.With(&awscloudwatch.MetricOptions{Label: jsii.String(label)})
	case awscloudwatch.MathExpression:
		return m.With(&awscloudwatch.MathExpressionOptions{Label: jsii.String(label)})
	}
	return m
}

// byDimension is a business metric, one line per value of a dimension.
func byDimension(name string, dimension func(string) metrics.Dimension, values ...string) []awscloudwatch.IMetric {
	lines := make([]awscloudwatch.IMetric, 0, len(values))
	for _, v := range values {
		lines = append(lines, labelled(businessMetric(name, dashboardPeriod, dimension(v)), v))
	}
	return lines
}
