"""The CDK app of the Contract Management System (stacks: CmsData, CmsApi, CmsObservability).

``cdk.synth.synthesize()`` is the entry point for other Python code (tests, the local stack);
it runs the app in a subprocess and caches the templates. ``python -m cdk.app`` is what the
CDK CLI runs (see ``cdk.json``).
"""
