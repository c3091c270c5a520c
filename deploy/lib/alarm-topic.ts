import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';

/**
 * The SNS topic the alarms of either compute mode notify: encrypted with a
 * rotating KMS key that CloudWatch may use, HTTPS only, and e-mailed to
 * `alarmEmail` when one is given. Made in `scope` as `TopicKey` and `Topic`,
 * the ids these had when the Fargate alarms made them themselves, so that a
 * deployed stack keeps its topic and its confirmed subscription.
 */
export function alarmTopic(scope: Construct, alarmEmail?: string): sns.Topic {
  const key = new kms.Key(scope, 'TopicKey', {
    description: 'Encrypts the factorial alarm topic',
    enableKeyRotation: true,
  });
  // CloudWatch publishes to an encrypted topic only if the key lets it.
  key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
  const topic = new sns.Topic(scope, 'Topic', { masterKey: key, enforceSSL: true });
  if (alarmEmail) {
    topic.addSubscription(new subscriptions.EmailSubscription(alarmEmail));
  }
  return topic;
}

/** Has each of `alarms` notify `topic` when it fires and again when it clears. */
export function notifyOnStateChange(topic: sns.ITopic, alarms: readonly cloudwatch.Alarm[]): void {
  const notify = new actions.SnsAction(topic);
  for (const alarm of alarms) {
    alarm.addAlarmAction(notify);
    alarm.addOkAction(notify);
  }
}
