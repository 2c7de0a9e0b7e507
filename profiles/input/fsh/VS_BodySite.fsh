// Vertebral levels C1-S5 as SNOMED CT body structures: the table of docs/clinical-rules.md §11.3, taken
// from the eHDSI Body Site value set v8.1.0 (SNOMED CT International 2025-02-01). The service
// writes exactly these codes in bodySite of per-level results and reads them on findings.
// T12 is the one "Entire body of ..." concept: "Structure of body of T12" is not in that value set
// (open item O-9 of docs/scores.md: verify the [V-1]/[U] codes in a SNOMED CT browser).

ValueSet: VertebraVS
Id: noms-vertebra-vs
Title: "Vertebral Level Value Set"
Description: "One SNOMED CT body structure per vertebral level, C1 to S5, plus the sacrum (a sacral lesion whose segment is not given) and the coccyx, used as bodySite of every per-level finding and result. A spinal metastasis is assessed level by level, so a bodySite names exactly one level."
* ^experimental = false
* SCT#14806007 "Bone structure of atlas"
* SCT#39976000 "Bone structure of axis"
* SCT#91116008 "Structure of body of third cervical vertebra"
* SCT#14705001 "Structure of body of fourth cervical vertebra"
* SCT#67479001 "Structure of body of fifth cervical vertebra"
* SCT#88298007 "Structure of body of sixth cervical vertebra"
* SCT#16126006 "Structure of body of seventh cervical vertebra"
* SCT#56094003 "Structure of body of first thoracic vertebra"
* SCT#50060007 "Structure of body of second thoracic vertebra"
* SCT#73138009 "Structure of body of third thoracic vertebra"
* SCT#86197001 "Structure of body of fourth thoracic vertebra"
* SCT#6105006 "Structure of body of fifth thoracic vertebra"
* SCT#32430008 "Structure of body of sixth thoracic vertebra"
* SCT#71737002 "Structure of body of seventh thoracic vertebra"
* SCT#77435000 "Structure of body of eighth thoracic vertebra"
* SCT#33766003 "Structure of body of ninth thoracic vertebra"
* SCT#48405002 "Structure of body of tenth thoracic vertebra"
* SCT#52120002 "Structure of body of eleventh thoracic vertebra"
* SCT#280849005 "Entire body of twelfth thoracic vertebra"
* SCT#61032001 "Structure of body of first lumbar vertebra"
* SCT#53983007 "Structure of body of second lumbar vertebra"
* SCT#55492004 "Structure of body of third lumbar vertebra"
* SCT#71996003 "Structure of body of fourth lumbar vertebra"
* SCT#21799000 "Structure of body of fifth lumbar vertebra"
* SCT#65985001 "Structure of first sacral vertebra"
* SCT#11808007 "Structure of second sacral vertebra"
* SCT#49967005 "Structure of third sacral vertebra"
* SCT#69950008 "Structure of fourth sacral vertebra"
* SCT#21452006 "Structure of fifth sacral vertebra"
* SCT#54735007 "Sacrum"
* SCT#64688005 "Coccyx"
