"""The tumour-board worklist and time to treatment (docs/worklist.md).

- ``entries``: an assessment (the one report view, ``service.views``) and the pathway's dated
  milestones (``service.fhir.extract.pathway_events``) as the record the database keeps;
- ``listing``: the worklist of a date range from the stored records: the patients with an open
  assessment, the most urgent first, each with its summary, plan, what is missing and its
  intervals; the programme's medians; JSON and CSV;
- ``plot``: the programme's intervals as an SVG chart (matplotlib);
- ``dates``: the date range asked for (API and page alike);
- ``recording``: the one-line calls the API and the CDS service make after an assessment, and
  the database the web app keeps for it;
- ``seed``: the demo patients sent to a running service's API (``make demo``).
"""
