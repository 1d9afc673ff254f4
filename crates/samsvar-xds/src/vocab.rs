//! Fixed identifiers from IHE ITI TF-3 (section 4.2.5) and ITI TF-2 (stored query ids,
//! SOAP actions, error codes). These are facts of the specification.

/// SOAP actions (ITI TF-2b/2a).
pub mod action {
    pub const ITI41: &str = "urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b";
    pub const ITI41_RESPONSE: &str = "urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-bResponse";
    pub const ITI18: &str = "urn:ihe:iti:2007:RegistryStoredQuery";
    pub const ITI18_RESPONSE: &str = "urn:ihe:iti:2007:RegistryStoredQueryResponse";
    pub const ITI43: &str = "urn:ihe:iti:2007:RetrieveDocumentSet";
    pub const ITI43_RESPONSE: &str = "urn:ihe:iti:2007:RetrieveDocumentSetResponse";
    pub const FAULT: &str = "http://www.w3.org/2005/08/addressing/soap/fault";
}

/// WS-Addressing anonymous endpoint.
pub const WSA_ANONYMOUS: &str = "http://www.w3.org/2005/08/addressing/anonymous";

/// ebRIM object types.
pub mod object_type {
    pub const STABLE_DOCUMENT_ENTRY: &str = "urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1";
    pub const ON_DEMAND_DOCUMENT_ENTRY: &str = "urn:uuid:34268e47-fdf5-41a6-ba33-82133c465248";
    pub const REGISTRY_PACKAGE: &str =
        "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:RegistryPackage";
    pub const CLASSIFICATION: &str =
        "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Classification";
    pub const EXTERNAL_IDENTIFIER: &str =
        "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:ExternalIdentifier";
    pub const ASSOCIATION: &str =
        "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Association";
}

/// Classification nodes marking a RegistryPackage as SubmissionSet or Folder.
pub mod node {
    pub const SUBMISSION_SET: &str = "urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd";
    pub const FOLDER: &str = "urn:uuid:d9d542f3-6cc4-48b6-8870-ea235fbc94c2";
}

/// Classification schemes and external identifier schemes of the DocumentEntry.
pub mod de {
    pub const AUTHOR: &str = "urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d";
    pub const CLASS_CODE: &str = "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a";
    pub const CONFIDENTIALITY_CODE: &str = "urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f";
    pub const EVENT_CODE_LIST: &str = "urn:uuid:2c6b8cb7-8b2a-4051-b291-b1ae6a575ef4";
    pub const FORMAT_CODE: &str = "urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d";
    pub const HEALTHCARE_FACILITY_TYPE_CODE: &str = "urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1";
    pub const PRACTICE_SETTING_CODE: &str = "urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead";
    pub const TYPE_CODE: &str = "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983";
    pub const PATIENT_ID: &str = "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427";
    pub const UNIQUE_ID: &str = "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab";
    pub const PATIENT_ID_NAME: &str = "XDSDocumentEntry.patientId";
    pub const UNIQUE_ID_NAME: &str = "XDSDocumentEntry.uniqueId";
}

/// Classification schemes and external identifier schemes of the SubmissionSet.
pub mod ss {
    pub const AUTHOR: &str = "urn:uuid:a7058bb9-b4e4-4307-ba5b-e3f0ab85e12d";
    pub const CONTENT_TYPE_CODE: &str = "urn:uuid:aa543740-bdda-424e-8c96-df4873be8500";
    pub const PATIENT_ID: &str = "urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446";
    pub const SOURCE_ID: &str = "urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832";
    pub const UNIQUE_ID: &str = "urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8";
    pub const PATIENT_ID_NAME: &str = "XDSSubmissionSet.patientId";
    pub const SOURCE_ID_NAME: &str = "XDSSubmissionSet.sourceId";
    pub const UNIQUE_ID_NAME: &str = "XDSSubmissionSet.uniqueId";
}

/// Classification schemes and external identifier schemes of the Folder.
pub mod folder {
    pub const CODE_LIST: &str = "urn:uuid:1ba97051-7806-41a8-a48b-8fce7af683c5";
    pub const PATIENT_ID: &str = "urn:uuid:f64ffdf0-4b97-4e06-b79f-a52b38ec2f8a";
    pub const UNIQUE_ID: &str = "urn:uuid:75df8f67-9973-4fbe-a900-df66cefecc5a";
    pub const PATIENT_ID_NAME: &str = "XDSFolder.patientId";
    pub const UNIQUE_ID_NAME: &str = "XDSFolder.uniqueId";
}

/// Association types.
pub mod assoc {
    pub const HAS_MEMBER: &str = "urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember";
    pub const RPLC: &str = "urn:ihe:iti:2007:AssociationType:RPLC";
    pub const XFRM: &str = "urn:ihe:iti:2007:AssociationType:XFRM";
    pub const APND: &str = "urn:ihe:iti:2007:AssociationType:APND";
    pub const XFRM_RPLC: &str = "urn:ihe:iti:2007:AssociationType:XFRM_RPLC";
    pub const SIGNS: &str = "urn:ihe:iti:2007:AssociationType:signs";
    pub const ALL: [&str; 6] = [HAS_MEMBER, RPLC, XFRM, APND, XFRM_RPLC, SIGNS];
}

/// Availability status values.
pub mod status {
    pub const APPROVED: &str = "urn:oasis:names:tc:ebxml-regrep:StatusType:Approved";
    pub const DEPRECATED: &str = "urn:oasis:names:tc:ebxml-regrep:StatusType:Deprecated";
}

/// Registry response status values.
pub mod response_status {
    pub const SUCCESS: &str = "urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success";
    pub const FAILURE: &str = "urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure";
    pub const PARTIAL_SUCCESS: &str = "urn:ihe:iti:2007:ResponseStatusType:PartialSuccess";
}

/// Registry error severities.
pub mod severity {
    pub const ERROR: &str = "urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error";
    pub const WARNING: &str = "urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Warning";
}

/// Stored query ids (ITI TF-2a 3.18.4.1.2.3.7).
pub mod query {
    pub const FIND_DOCUMENTS: &str = "urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d";
    pub const FIND_SUBMISSION_SETS: &str = "urn:uuid:f26abbcb-ac74-4422-8a30-edb644bbc1a9";
    pub const FIND_FOLDERS: &str = "urn:uuid:958f3006-baad-4929-a4de-ff1114824431";
    pub const GET_ALL: &str = "urn:uuid:10b545ea-725c-446d-9b95-8aeb444eddf3";
    pub const GET_DOCUMENTS: &str = "urn:uuid:5c4f972b-d56b-40ac-a5fc-c8ca9b40b9d4";
    pub const GET_FOLDERS: &str = "urn:uuid:5737b14c-8a1a-4539-b659-e03a34a5e1e4";
    pub const GET_ASSOCIATIONS: &str = "urn:uuid:a7ae438b-4bc2-4642-93e9-be891f7bb155";
    pub const GET_DOCUMENTS_AND_ASSOCIATIONS: &str =
        "urn:uuid:bab9529a-4a10-40b3-a01f-f68a615d247a";
    pub const GET_SUBMISSION_SETS: &str = "urn:uuid:51224314-5390-4169-9b91-b1980040715a";
    pub const GET_SUBMISSION_SET_AND_CONTENTS: &str =
        "urn:uuid:e8e3cb2c-e39c-46b9-99e4-c12f57260b83";
    pub const GET_FOLDER_AND_CONTENTS: &str = "urn:uuid:b909a503-523d-4517-8acf-8e5834dfc4c7";
    pub const GET_FOLDERS_FOR_DOCUMENT: &str = "urn:uuid:10cae35a-c7f9-4cf5-b61e-fc3278ffb578";
    pub const GET_RELATED_DOCUMENTS: &str = "urn:uuid:d90e5407-b356-4d91-a89f-873917b4b0e6";

    /// (name, id) of every stored query samsvar knows.
    pub const ALL: [(&str, &str); 13] = [
        ("FindDocuments", FIND_DOCUMENTS),
        ("FindSubmissionSets", FIND_SUBMISSION_SETS),
        ("FindFolders", FIND_FOLDERS),
        ("GetAll", GET_ALL),
        ("GetDocuments", GET_DOCUMENTS),
        ("GetFolders", GET_FOLDERS),
        ("GetAssociations", GET_ASSOCIATIONS),
        (
            "GetDocumentsAndAssociations",
            GET_DOCUMENTS_AND_ASSOCIATIONS,
        ),
        ("GetSubmissionSets", GET_SUBMISSION_SETS),
        (
            "GetSubmissionSetAndContents",
            GET_SUBMISSION_SET_AND_CONTENTS,
        ),
        ("GetFolderAndContents", GET_FOLDER_AND_CONTENTS),
        ("GetFoldersForDocument", GET_FOLDERS_FOR_DOCUMENT),
        ("GetRelatedDocuments", GET_RELATED_DOCUMENTS),
    ];

    /// The stored query id for a name, case-insensitively; ids pass through.
    pub fn id_for(name_or_id: &str) -> Option<&'static str> {
        ALL.iter()
            .find(|(n, id)| n.eq_ignore_ascii_case(name_or_id) || *id == name_or_id)
            .map(|(_, id)| *id)
    }

    /// The name of a stored query id.
    pub fn name_of(id: &str) -> Option<&'static str> {
        ALL.iter().find(|(_, i)| *i == id).map(|(n, _)| *n)
    }
}

/// Registry error codes (ITI TF-3 Table 4.2.4.1-2), the ones samsvar produces or checks.
pub mod error_code {
    pub const UNKNOWN_PATIENT_ID: &str = "XDSUnknownPatientId";
    pub const PATIENT_ID_DOES_NOT_MATCH: &str = "XDSPatientIdDoesNotMatch";
    pub const REGISTRY_METADATA_ERROR: &str = "XDSRegistryMetadataError";
    pub const REPOSITORY_METADATA_ERROR: &str = "XDSRepositoryMetadataError";
    pub const MISSING_DOCUMENT: &str = "XDSMissingDocument";
    pub const MISSING_DOCUMENT_METADATA: &str = "XDSMissingDocumentMetadata";
    pub const NON_IDENTICAL_HASH: &str = "XDSNonIdenticalHash";
    pub const NON_IDENTICAL_SIZE: &str = "XDSNonIdenticalSize";
    pub const DUPLICATE_UNIQUE_ID_IN_REGISTRY: &str = "XDSDuplicateUniqueIdInRegistry";
    pub const DUPLICATE_UNIQUE_ID_IN_MESSAGE: &str = "XDSRegistryDuplicateUniqueIdInMessage";
    pub const DOCUMENT_UNIQUE_ID_ERROR: &str = "XDSDocumentUniqueIdError";
    pub const UNKNOWN_STORED_QUERY: &str = "XDSUnknownStoredQuery";
    pub const STORED_QUERY_MISSING_PARAM: &str = "XDSStoredQueryMissingParam";
    pub const STORED_QUERY_PARAM_NUMBER: &str = "XDSStoredQueryParamNumber";
    pub const UNKNOWN_REPOSITORY_ID: &str = "XDSUnknownRepositoryId";
    pub const REGISTRY_ERROR: &str = "XDSRegistryError";
    pub const REPOSITORY_ERROR: &str = "XDSRepositoryError";
}
