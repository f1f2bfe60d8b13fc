"""The contract lifecycle in CmsApi: the Step Functions state machine (JSONPath, so moto can run
the same definition locally), the EventBridge bus, and the one-time schedules' group and role.

One execution per submission: wait for the signatures on a task token until the signing
deadline (then expire), lock the signed documents, wait until valid_from, activate, and hand
the expiry at valid_until to EventBridge Scheduler (an execution lives at most a year).
Requests for changes, termination and completion end the wait early (the events function
fails the task token); a later step finds the contract ended and does nothing.
"""

from __future__ import annotations

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from cdk.nag import acknowledge
from cms.domain.lifecycle import CHANGES_REQUESTED, ENDED

STATE_MACHINE_NAME = "cms-contract-lifecycle"
EVENT_BUS_NAME = "cms-events"
SCHEDULE_GROUP = "cms-lifecycle"
# Errors of the Lambda service itself (not of our code) worth retrying on any step.
LAMBDA_TRANSIENT = ["Lambda.ServiceException", "Lambda.AWSLambdaException",
                    "Lambda.SdkClientException", "Lambda.TooManyRequestsException"]
# Our functions' own transient failures (their exception class names, as Lambda reports them).
OUR_TRANSIENT = ["DependencyUnavailable", "ConcurrentChanges"]


def state_machine_arn() -> str:
    """Known before deployment, so functions can name it without a reference (no cycle)."""
    return f"arn:{Aws.PARTITION}:states:{Aws.REGION}:{Aws.ACCOUNT_ID}:stateMachine:" \
           f"{STATE_MACHINE_NAME}"


def scheduler_role_name() -> str:
    return f"cms-lifecycle-scheduler-{Aws.REGION}"


def scheduler_role_arn() -> str:
    return f"arn:{Aws.PARTITION}:iam::{Aws.ACCOUNT_ID}:role/{scheduler_role_name()}"


def schedules_arn() -> str:
    return f"arn:{Aws.PARTITION}:scheduler:{Aws.REGION}:{Aws.ACCOUNT_ID}:schedule/" \
           f"{SCHEDULE_GROUP}/*"


class Lifecycle(Construct):
    def __init__(self, scope: Construct, construct_id: str, *,
                 function: lambda_.IFunction, log_retention: logs.RetentionDays) -> None:
        super().__init__(scope, construct_id)
        self.bus = events.EventBus(self, "Bus", event_bus_name=EVENT_BUS_NAME,
                                   description="CMS contract lifecycle events")
        self.schedule_group = scheduler.CfnScheduleGroup(self, "ScheduleGroup",
                                                         name=SCHEDULE_GROUP)
        self.scheduler_role = iam.Role(
            self, "SchedulerRole", assumed_by=iam.ServicePrincipal("scheduler.amazonaws.com"),
            role_name=scheduler_role_name(),  # the lifecycle function passes it by name
            description="Lets one-time schedules (expiry, reminders) invoke the lifecycle")
        function.grant_invoke(self.scheduler_role)
        _acknowledge_invoke(self.scheduler_role)
        log_group = logs.LogGroup(self, "Logs", retention=log_retention,
                                  removal_policy=RemovalPolicy.RETAIN)
        self.state_machine = sfn.StateMachine(
            self, "StateMachine", state_machine_name=STATE_MACHINE_NAME,
            definition_body=sfn.DefinitionBody.from_chainable(_definition(self, function)),
            tracing_enabled=True,
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL,
                                include_execution_data=False))
        _acknowledge_invoke(self.state_machine.role)
        acknowledge(self.state_machine.role.node.find_child("DefaultPolicy"),
                    "AwsSolutions-IAM5[Resource::*]",
                    "X-Ray tracing and CloudWatch Logs delivery (logs:CreateLogDelivery and "
                    "friends) support no resource-level permissions.")


def _acknowledge_invoke(role: iam.IRole) -> None:
    acknowledge(role.node.find_child("DefaultPolicy"),
                "AwsSolutions-IAM5[Resource::<LifecycleFunction.Arn>:*]",
                "CDK's grant_invoke also allows the function's versions and aliases "
                "(<arn>:*); it is still the one lifecycle function.")


def _task(scope: Construct, name: str, function: lambda_.IFunction, action: str,
          **extra: str) -> tasks.LambdaInvoke:
    task = tasks.LambdaInvoke(
        scope, name, lambda_function=function, retry_on_service_exceptions=False,
        payload=sfn.TaskInput.from_object({"action": action,
                                           "contract_id": sfn.JsonPath.string_at(
                                               "$.contract_id"), **extra}),
        result_selector={"result.$": "$.Payload"}, result_path=f"$.{action}")
    task.add_retry(errors=LAMBDA_TRANSIENT, interval=Duration.seconds(2), max_attempts=6,
                   backoff_rate=2)
    return task


def _definition(scope: Construct, function: lambda_.IFunction) -> sfn.IChainable:
    ended = sfn.Succeed(scope, "Ended", comment="changes requested, terminated or completed")
    await_signatures = tasks.LambdaInvoke(
        scope, "AwaitSignatures", lambda_function=function,
        integration_pattern=sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
        payload=sfn.TaskInput.from_object({
            "action": "await_signatures",
            "contract_id": sfn.JsonPath.string_at("$.contract_id"),
            "submission": sfn.JsonPath.number_at("$.submission"),
            "task_token": sfn.JsonPath.task_token}),
        task_timeout=sfn.Timeout.at("$.signing_timeout_s"),
        result_path="$.signatures")
    # Not States.TaskFailed: the events function fails this task on purpose (caught below).
    await_signatures.add_retry(errors=[*LAMBDA_TRANSIENT, *OUR_TRANSIENT],
                               interval=Duration.seconds(2), max_attempts=6, backoff_rate=2)
    deadline = _task(scope, "SigningDeadlinePassed", function, "deadline_passed")
    _retry_early_and_all(deadline, "NotDueYet")
    await_signatures.add_catch(deadline, errors=["States.Timeout"], result_path="$.timeout")
    await_signatures.add_catch(ended, errors=[CHANGES_REQUESTED, ENDED],
                               result_path="$.ended")
    deadline.next(sfn.Succeed(scope, "ExpiredUnsigned"))

    lock = _task(scope, "LockDocuments", function, "lock_documents")
    lock.add_retry(errors=["States.ALL"], interval=Duration.seconds(5), max_attempts=5,
                   backoff_rate=2)
    plan = _task(scope, "PlanActivation", function, "plan_activation")
    plan.add_retry(errors=["States.ALL"], interval=Duration.seconds(5), max_attempts=5,
                   backoff_rate=2)
    lock.add_catch(plan, errors=["States.ALL"], result_path="$.lock_failed")
    wait = sfn.Wait(scope, "WaitForValidFrom",
                    time=sfn.WaitTime.timestamp_path("$.activate_at"))
    activate = _task(scope, "Activate", function, "activate")
    # Clocks differ a little between Step Functions and Lambda: woken a moment before
    # valid_from, the activation is refused and tried again.
    _retry_early_and_all(activate, "NotYetValid")
    schedule = _task(scope, "ScheduleExpiry", function, "schedule_expiry")
    schedule.add_retry(errors=["States.ALL"], interval=Duration.seconds(5), max_attempts=5,
                       backoff_rate=2)
    waits = sfn.Choice(scope, "WaitsForValidFrom").when(
        sfn.Condition.boolean_equals("$.plan_activation.result.wait", True),
        wait.next(activate).next(schedule).next(sfn.Succeed(scope, "ExpiryScheduled")),
    ).otherwise(sfn.Succeed(scope, "ActivationScheduled"))
    return await_signatures.next(lock).next(plan).next(waits)


def _retry_early_and_all(task: tasks.LambdaInvoke, early: str) -> None:
    task.add_retry(errors=[early], interval=Duration.seconds(1), max_attempts=10,
                   backoff_rate=1.5)
    task.add_retry(errors=["States.ALL"], interval=Duration.seconds(5), max_attempts=5,
                   backoff_rate=2)
